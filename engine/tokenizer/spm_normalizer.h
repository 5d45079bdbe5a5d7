#pragma once
// SpmNormalizer: sentencepiece's text normalization before segmentation. The precompiled
// character map (e.g. nmt_nfkc) is a Darts double-array trie of source strings whose values point
// at replacement strings; whitespace is then trimmed/collapsed, a dummy prefix added and spaces
// escaped as U+2581, each as the model's normalizer_spec says.
#include "tokenizer/spm_vocab.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkscope {

class SpmNormalizer {
public:
    // Throws LoadError (naming path) when the character map is malformed.
    SpmNormalizer(const SpmVocab& vocab, const std::string& path);

    // input must be valid UTF-8.
    std::string normalize(std::string_view input) const;

private:
    // The replacement for the longest rule matching the start of input, and how much it consumes.
    std::pair<std::string_view, std::size_t> normalizePrefix(std::string_view input) const;
    // Darts-clone commonPrefixSearch: the longest key that prefixes input, as (length, value).
    std::pair<std::size_t, std::uint32_t> longestRule(std::string_view input) const;

    const SpmVocab* m_vocab;
    SpmNormalizerSpec m_spec;
    std::vector<std::uint32_t> m_units; // the double array
    std::string_view m_replacements;    // NUL-separated replacement strings (view into m_spec)
};

} // namespace sinkscope

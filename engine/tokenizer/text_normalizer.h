#pragma once
// TextNormalizer: tokenizer.json's "normalizer" as SentencePiece-style files use it, e.g. Llama-2's
// Sequence of Prepend("\u2581") and Replace(" " -> "\u2581"). Supported: Prepend, Replace (a string
// or a regex), NFC (taken as already true of the input, which is what editors and the clipboard
// produce) and Sequences of these; anything else is refused by name.
#include "core/result.h"
#include "tokenizer/json_cursor.h"
#include "tokenizer/regex.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// Together the Replace steps of a normalizer (or a decoder) may make text at most this many times
// longer, and its Prepend steps add at most this many bytes, so the memory that normalizing a
// prompt takes is known in advance. Real files insert one character.
constexpr std::size_t kMaxInsertedBytes = 64;

// Tracks the bound above over a list of steps.
class GrowthBound {
public:
    void add(bool replace, std::size_t insertedBytes);
    // Throws LoadError at node when the steps exceed the bound.
    void check(const JsonCursor& node) const;

private:
    std::size_t m_factor = 1;
    std::size_t m_prepended = 0;
};

class TextNormalizer {
public:
    struct Step {
        std::optional<Regex> pattern; // Replace; unset for Prepend
        std::string content;          // the replacement, or the text to prepend
    };

    void add(Step step) { m_steps.push_back(std::move(step)); }
    const std::vector<Step>& steps() const { return m_steps; }

    // The normalized text; an error only when a regex fails to run (e.g. out of JIT stack).
    Result<std::string> apply(std::string_view text) const;

private:
    std::vector<Step> m_steps;
};

// node is the "normalizer" value, absent for none. Throws LoadError naming the field.
TextNormalizer parseTextNormalizer(const std::optional<JsonCursor>& node);

// Reads {"String": "..."} or {"Regex": "..."} as Replace uses it (normalizers and decoders alike):
// a non-empty pattern that cannot match the empty string.
Regex parseReplacePattern(const JsonCursor& pattern);
// A Replace's or Prepend's inserted text (at most kMaxInsertedBytes long).
std::string parseInsertedText(const JsonCursor& node);

} // namespace sinkscope

// GPT-2's two-file tokenizer: the input up to its first NUL byte is vocab.json, the rest
// merges.txt; both are written to a scratch directory and loaded with loadVocabMerges, and a
// tokenizer that comes out encodes and decodes.
#include "fuzz_support.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome vocabMerges(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = asText(data, size);
    const auto nul = text.find('\0');
    const std::string_view vocab = text.substr(0, nul);
    const std::string_view merges = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
    auto tokenizer =
        loadVocabMerges(writeScratchFile("vocab.json", vocab), writeScratchFile("merges.txt", merges));
    if (!tokenizer) return tokenizer.error().message;
    if (tokenizer.value()) exerciseTokenizer(*tokenizer.value());
    return std::nullopt;
}

} // namespace sinkscope::fuzz

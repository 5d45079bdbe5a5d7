// tokenizer.json: parseHfTokenizerJson (the model, added tokens, normalizer, pre-tokenizer
// with its regexes, decoder and post-processor), then a round of encoding and decoding.
#include "fuzz_support.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome tokenizerJson(const std::uint8_t* data, std::size_t size) {
    auto tokenizer = parseHfTokenizerJson(asText(data, size), "tokenizer.json");
    if (!tokenizer) return tokenizer.error().message;
    if (tokenizer.value()) exerciseTokenizer(*tokenizer.value());
    return std::nullopt;
}

} // namespace sinkscope::fuzz

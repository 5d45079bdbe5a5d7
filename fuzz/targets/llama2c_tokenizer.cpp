// llama2.c's tokenizer.bin, read to the end of the file as when no config gives the token
// count (parseLlama2cTokenizer), then encoding and decoding.
#include "fuzz_support.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome llama2cTokenizer(const std::uint8_t* data, std::size_t size) {
    auto tokenizer = parseLlama2cTokenizer(asText(data, size), "tokenizer.bin", 0);
    if (!tokenizer) return tokenizer.error().message;
    if (tokenizer.value()) exerciseTokenizer(*tokenizer.value());
    return std::nullopt;
}

} // namespace sinkscope::fuzz

// SentencePiece tokenizer.model files: the protobuf wire reader, the ModelProto fields, the
// vocabulary and normalizer checks (parseSentencePiece), then encoding (unigram or BPE, byte
// fallback) and decoding.
#include "fuzz_support.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome spmModel(const std::uint8_t* data, std::size_t size) {
    auto tokenizer = parseSentencePiece(asText(data, size), "tokenizer.model");
    if (!tokenizer) return tokenizer.error().message;
    if (tokenizer.value()) exerciseTokenizer(*tokenizer.value());
    return std::nullopt;
}

} // namespace sinkscope::fuzz

#pragma once
// The tokenizer a GGUF file embeds in its tokenizer.ggml.* keys, built as one of our tokenizer
// classes: model "llama" as SentencePiece (pieces, scores, token types; llama.cpp's normalization:
// spaces escaped, an optional leading space, nothing else) and model "gpt2" as byte-level BPE
// (tokens, merges, the pre-tokenizer named by tokenizer.ggml.pre).
#include "io/gguf_reader.h"
#include "tokenizer/tokenizer.h"

namespace sinkscope {

// A null pointer when the file carries no tokenizer (no tokenizer.ggml.model, or "none").
Result<std::unique_ptr<Tokenizer>> tokenizerFromGguf(const GgufFile& file);

} // namespace sinkscope

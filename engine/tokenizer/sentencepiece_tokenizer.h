#pragma once
// Builds the SentencePiece tokenizer from a model already read into an SpmModelSpec, whether from
// tokenizer.model or from the vocabulary a GGUF file embeds.
#include "tokenizer/spm_model_file.h"
#include "tokenizer/tokenizer.h"

#include <memory>
#include <string>

namespace sinkscope {

// Checks the model as sentencepiece does at load time; throws LoadError naming path. source says
// where the model came from in describe() ("tokenizer.model", "GGUF").
std::unique_ptr<Tokenizer> makeSentencePieceTokenizer(SpmModelSpec spec, const std::string& path,
                                                      std::string source);

} // namespace sinkscope

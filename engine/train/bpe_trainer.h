#pragma once
// Trains a byte-level BPE tokenizer on a text file and writes it as a Hugging Face
// tokenizer.json (Llama-3-style pre-tokenizer: regex split, then bytes), with "<s>" (BOS) and
// "</s>" (EOS) as special tokens. The result loads with loadHfTokenizerJson.
//
// We train BPE ourselves rather than with libsentencepiece's trainer: Debian's libsentencepiece
// carries its own protobuf 3.14 runtime, which cannot share a process with LibTorch's protobuf.
#include "core/result.h"

#include <functional>
#include <string>

namespace sinkscope {

struct BpeTrainOptions {
    int vocabSize = 4096;                   // bytes (256) + merges + 2 special tokens
    int minPairCount = 2;                   // stop early when no pair occurs this often
    std::function<void(int, int)> progress; // (merges done, merges wanted)
};

Status trainByteLevelBpe(const std::string& textPath, const std::string& outTokenizerJson,
                         const BpeTrainOptions& options);

} // namespace sinkscope

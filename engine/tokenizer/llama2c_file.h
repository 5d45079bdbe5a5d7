#pragma once
// Reader for llama2.c's tokenizer.bin: int32 max_token_length, then per token a float32 score,
// an int32 byte length and that many bytes. Values are in the writer's byte order, which for
// every published file is little-endian, the same as the hosts this engine runs on.
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope {

struct Llama2cVocab {
    std::int32_t maxTokenLength = 0;
    std::vector<std::string> pieces;
    std::vector<float> scores;
};

// Reads exactly vocabSize tokens, or every token up to the end of the file when vocabSize <= 0
// (the file itself does not record its size; run.c takes it from the checkpoint header). Throws
// LoadError naming the file and the token index on truncation or a bad length.
Llama2cVocab readLlama2cVocab(const std::string& path, std::int32_t vocabSize);
// The same for a file already in memory; path names it in errors.
Llama2cVocab parseLlama2cVocab(const std::uint8_t* data, std::size_t size, const std::string& path,
                               std::int32_t vocabSize);

} // namespace sinkscope

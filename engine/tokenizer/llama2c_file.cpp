#include "tokenizer/llama2c_file.h"

#include "core/mapped_file.h"
#include "tokenizer/load_error.h"

#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

namespace {

template <typename T> T readScalar(const std::uint8_t* at) {
    T value;
    std::memcpy(&value, at, sizeof value);
    return value;
}

} // namespace

Llama2cVocab readLlama2cVocab(const std::string& path, std::int32_t vocabSize) {
    auto file = MappedFile::open(path, kTokenizerFile);
    if (!file) throwLoadError(file.error().message);
    return parseLlama2cVocab(file->data(), file->size(), path, vocabSize);
}

Llama2cVocab parseLlama2cVocab(const std::uint8_t* data, std::size_t size, const std::string& path,
                               std::int32_t vocabSize) {
    if (size < 4) throwLoadError(fmt::format("{}: {} bytes is too short for the header", path, size));

    Llama2cVocab vocab;
    vocab.maxTokenLength = readScalar<std::int32_t>(data);
    if (vocab.maxTokenLength <= 0) {
        throwLoadError(fmt::format("{}: max_token_length is {}, expected a positive length", path,
                                   vocab.maxTokenLength));
    }
    std::size_t offset = 4;
    const bool untilEof = vocabSize <= 0;
    for (std::int32_t i = 0; untilEof ? offset < size : i < vocabSize; ++i) {
        if (size - offset < 8) {
            throwLoadError(fmt::format("{}: truncated at token {} (offset {}, file is {} bytes)", path, i,
                                       offset, size));
        }
        const float score = readScalar<float>(data + offset);
        const std::int32_t length = readScalar<std::int32_t>(data + offset + 4);
        offset += 8;
        if (length < 0) throwLoadError(fmt::format("{}: token {} has negative length {}", path, i, length));
        if (static_cast<std::size_t>(length) > size - offset) {
            throwLoadError(fmt::format(
                "{}: truncated at token {} (its {} bytes run past the end of the file)", path, i, length));
        }
        vocab.pieces.emplace_back(reinterpret_cast<const char*>(data + offset),
                                  static_cast<std::size_t>(length));
        vocab.scores.push_back(score);
        offset += static_cast<std::size_t>(length);
    }
    if (vocab.pieces.empty()) throwLoadError(path + ": has no tokens");
    return vocab;
}

} // namespace sinkscope

#pragma once
// Tokenizer: text <-> token ids for every format a model directory can carry.
// Implementations: byte-level BPE (tokenizer.json, vocab.json + merges.txt, GGUF "gpt2"),
// SentencePiece-style BPE (tokenizer.json with "▁" pieces and byte fallback), SentencePiece
// (tokenizer.model, GGUF "llama") and llama2.c (tokenizer.bin). Not thread-safe for
// concurrent encode on one instance unless the implementation says so; create one per thread.
#include "core/result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Encodes UTF-8 text (invalid UTF-8 is an error naming the byte offset). When addBos is true
    // and the tokenizer has a BOS id, it is prepended.
    virtual Result<std::vector<std::int32_t>> encode(std::string_view text, bool addBos) const = 0;
    // Decodes ids to text; bytes that do not form valid UTF-8 become U+FFFD.
    virtual std::string decode(const std::vector<std::int32_t>& ids) const = 0;
    // The display text of one token (its decoded piece; byte tokens as "<0xAB>").
    virtual std::string tokenText(std::int32_t id) const = 0;

    virtual std::int32_t vocabSize() const = 0;
    virtual std::optional<std::int32_t> bosId() const = 0;
    virtual std::optional<std::int32_t> eosId() const = 0;
    // Short description such as "byte-level BPE (tokenizer.json), 50257 tokens".
    virtual std::string describe() const = 0;
};

// Loads the tokenizer of a model directory, preferring tokenizer.json, then vocab.json +
// merges.txt, then tokenizer.model, then tokenizer.bin. Errors name the file and what is wrong.
// A tokenizer.json that cannot be used (e.g. a Unigram model or an unsupported normalizer) gives
// way to a tokenizer.model beside it. tokenizer.bin takes its token count from config.json's vocab_size when
// present, otherwise it is read to the end of the file.
Result<std::unique_ptr<Tokenizer>> loadTokenizerFromDirectory(const std::string& dir);

// Format-specific loaders.
Result<std::unique_ptr<Tokenizer>> loadHfTokenizerJson(const std::string& path);
// tokenizer.json text already in memory; path names it in errors.
Result<std::unique_ptr<Tokenizer>> parseHfTokenizerJson(std::string_view text, const std::string& path);
Result<std::unique_ptr<Tokenizer>> loadVocabMerges(const std::string& vocabPath,
                                                   const std::string& mergesPath);
Result<std::unique_ptr<Tokenizer>> loadSentencePiece(const std::string& path);
Result<std::unique_ptr<Tokenizer>> loadLlama2cTokenizer(const std::string& path, std::int32_t vocabSize);
// The same two for file contents already in memory; path names them in errors.
Result<std::unique_ptr<Tokenizer>> parseSentencePiece(std::string_view bytes, const std::string& path);
Result<std::unique_ptr<Tokenizer>> parseLlama2cTokenizer(std::string_view bytes, const std::string& path,
                                                         std::int32_t vocabSize);
// The tokenizer embedded in a GGUF file; a null pointer when the file carries none.
Result<std::unique_ptr<Tokenizer>> loadGgufTokenizer(const std::string& path);

} // namespace sinkscope

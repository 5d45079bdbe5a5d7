#pragma once
// SpmStyleBpeTokenizer: a tokenizer.json BPE model spelled the SentencePiece way (Llama-2, Mistral,
// TinyLlama, Phi-3, Gemma): pieces are UTF-8 with "\u2581" for spaces, a word starts as characters,
// and characters outside the vocabulary become <0xNN> byte tokens (byte_fallback). Encoding runs
// tokenizers' pipeline: added tokens are cut out of the raw text (those marked "normalized" out of
// the normalized text), each remaining segment is normalized on its own (so Llama-2's Prepend puts
// a "\u2581" after every special token), pre-tokenized, and BPE-encoded piece by piece. Decoding
// runs the file's decoder over the tokens' strings, special tokens included, as tokenizers'
// decode does by default. encode() is safe to call from several threads.
#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/bpe_word_cache.h"
#include "tokenizer/json_cursor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/text_normalizer.h"
#include "tokenizer/token_decoder.h"
#include "tokenizer/tokenizer.h"

#include <memory>
#include <mutex>
#include <unordered_map>

namespace sinkscope {

struct SpmStyleBpeParts {
    BpeModel model;
    TextNormalizer normalizer;
    PreTokenizer preTokenizer;
    TokenDecoder decoder;
    std::vector<AddedToken> addedTokens;
    // The string of every id (added tokens over vocabulary entries). A map rather than a table:
    // ids may be sparse, and memory then follows the file's size, not its largest id.
    std::unordered_map<std::int32_t, std::string> pieces;
    std::optional<std::int32_t> bos;
    std::optional<std::int32_t> eos;
};

class SpmStyleBpeTokenizer final : public Tokenizer {
public:
    explicit SpmStyleBpeTokenizer(SpmStyleBpeParts parts);

    Result<std::vector<std::int32_t>> encode(std::string_view text, bool addBos) const override;
    std::string decode(const std::vector<std::int32_t>& ids) const override;
    std::string tokenText(std::int32_t id) const override;
    std::int32_t vocabSize() const override { return m_vocabSize; }
    std::optional<std::int32_t> bosId() const override { return m_bos; }
    std::optional<std::int32_t> eosId() const override { return m_eos; }
    std::string describe() const override;

private:
    Status encodeSegment(std::string_view normalized, bool atTextStart, std::vector<std::int32_t>& ids) const;

    BpeModel m_model;
    TextNormalizer m_normalizer;
    PreTokenizer m_preTokenizer;
    TokenDecoder m_decoder;
    AddedTokenMatcher m_rawAdded;        // matched in the input text
    AddedTokenMatcher m_normalizedAdded; // matched in each normalized segment
    std::unordered_map<std::int32_t, std::string> m_pieces;
    std::int32_t m_vocabSize = 0;
    std::optional<std::int32_t> m_bos;
    std::optional<std::int32_t> m_eos;

    mutable std::mutex m_cacheMutex;
    mutable BpeWordCache m_cache;
};

// Builds the tokenizer from a parsed tokenizer.json whose pre-tokenizer and decoder have no
// ByteLevel step. Throws LoadError naming the file, field and value of any problem.
std::unique_ptr<Tokenizer> loadSpmStyleTokenizerJson(const JsonCursor& root);

} // namespace sinkscope

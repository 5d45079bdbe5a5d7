#pragma once
// ByteLevelBpeTokenizer: GPT-2 / Llama-3 / Qwen2 style tokenization put together from its parts:
// added-token split, pre-tokenizer, BPE merges per pre-token, byte-level decoding. Both
// tokenizer.json and vocab.json + merges.txt loaders build one. encode() is safe to call from
// several threads: the pre-token cache is guarded by a mutex.
#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/bpe_word_cache.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"

#include <mutex>

namespace sinkscope {

struct ByteLevelBpeParts {
    BpeModel model;
    PreTokenizer preTokenizer;
    std::vector<AddedToken> addedTokens;
    // Raw bytes of every id (index = id); ids that no token uses hold nullopt.
    std::vector<std::optional<std::string>> idBytes;
    std::optional<std::int32_t> bos;
    std::optional<std::int32_t> eos;
    std::string source; // "tokenizer.json", "vocab.json + merges.txt"
};

class ByteLevelBpeTokenizer final : public Tokenizer {
public:
    explicit ByteLevelBpeTokenizer(ByteLevelBpeParts parts);

    Result<std::vector<std::int32_t>> encode(std::string_view text, bool addBos) const override;
    std::string decode(const std::vector<std::int32_t>& ids) const override;
    std::string tokenText(std::int32_t id) const override;
    std::int32_t vocabSize() const override { return static_cast<std::int32_t>(m_idBytes.size()); }
    std::optional<std::int32_t> bosId() const override { return m_bos; }
    std::optional<std::int32_t> eosId() const override { return m_eos; }
    std::string describe() const override;

private:
    BpeModel m_model;
    PreTokenizer m_preTokenizer;
    AddedTokenMatcher m_added;
    std::vector<std::optional<std::string>> m_idBytes;
    std::optional<std::int32_t> m_bos;
    std::optional<std::int32_t> m_eos;
    std::string m_source;

    mutable std::mutex m_cacheMutex;
    mutable BpeWordCache m_cache;
};

} // namespace sinkscope

// loadLlama2cTokenizer: llama2.c's tokenizer.bin, encoded the way run.c's encode() does it: a
// dummy " " prefix, one token per code point (byte tokens id = byte + 3 as fallback), then
// repeatedly merging the adjacent pair whose concatenation is the highest-scoring token.
#include "core/utf8.h"
#include "tokenizer/llama2c_file.h"
#include "tokenizer/llama2c_merge.h"
#include "tokenizer/load_error.h"
#include "tokenizer/token_text.h"
#include "tokenizer/tokenizer.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

// run.c hard-codes these ids: <unk>=0, <s>=1, </s>=2, and byte <0x00> at 3.
constexpr std::int32_t kBos = 1;
constexpr std::int32_t kEos = 2;
constexpr std::int32_t kFirstByteToken = 3;

// The byte that a "<0xAB>" piece stands for.
std::optional<char> bytePiece(const std::string& piece) {
    if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>') return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = 3; i < 5; ++i) {
        const char c = piece[i];
        const int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<unsigned>(digit);
    }
    return static_cast<char>(value);
}

class Llama2cTokenizer final : public Tokenizer {
public:
    explicit Llama2cTokenizer(Llama2cVocab vocab) : m_vocab(std::move(vocab)) {
        // Views into m_vocab.pieces, which never changes after this point. The first of duplicate
        // pieces wins (run.c's bsearch leaves the choice unspecified).
        for (std::size_t i = 0; i < m_vocab.pieces.size(); ++i) {
            m_lookup.emplace(m_vocab.pieces[i], static_cast<std::int32_t>(i));
        }
    }

    Result<std::vector<std::int32_t>> encode(std::string_view text, bool addBos) const override;
    std::string decode(const std::vector<std::int32_t>& ids) const override;

    std::string tokenText(std::int32_t id) const override {
        if (id < 0 || id >= vocabSize()) return fmt::format("<unused id {}>", id);
        std::string_view piece = m_vocab.pieces[static_cast<std::size_t>(id)];
        // The export writes BOS/EOS as "\n<s>\n" and "\n</s>\n"; show just the name.
        if (id < kFirstByteToken) {
            while (!piece.empty() && piece.front() == '\n')
                piece.remove_prefix(1);
            while (!piece.empty() && piece.back() == '\n')
                piece.remove_suffix(1);
        }
        return displayBytes(piece);
    }

    std::int32_t vocabSize() const override { return static_cast<std::int32_t>(m_vocab.pieces.size()); }
    std::optional<std::int32_t> bosId() const override { return specialId(kBos); }
    std::optional<std::int32_t> eosId() const override { return specialId(kEos); }
    std::string describe() const override {
        return fmt::format("llama2.c (tokenizer.bin), {} tokens", vocabSize());
    }

private:
    std::optional<std::int32_t> specialId(std::int32_t id) const {
        return id < vocabSize() ? std::optional<std::int32_t>(id) : std::nullopt;
    }
    std::optional<std::int32_t> lookup(std::string_view piece) const {
        const auto it = m_lookup.find(piece);
        return it == m_lookup.end() ? std::nullopt : std::optional<std::int32_t>(it->second);
    }
    Status appendCodePoint(std::string_view cp, std::vector<std::int32_t>& out) const;

    Llama2cVocab m_vocab;
    PieceLookup m_lookup;
};

Status Llama2cTokenizer::appendCodePoint(std::string_view cp, std::vector<std::int32_t>& out) const {
    if (const auto id = lookup(cp)) {
        out.push_back(*id);
        return okStatus();
    }
    for (const char c : cp) {
        const std::int32_t id = kFirstByteToken + static_cast<unsigned char>(c);
        if (id >= vocabSize()) {
            return Error{fmt::format("tokenizer.bin has no byte token for 0x{:02X} (vocabulary of {})",
                                     static_cast<unsigned char>(c), vocabSize())};
        }
        out.push_back(id);
    }
    return okStatus();
}

Result<std::vector<std::int32_t>> Llama2cTokenizer::encode(std::string_view text, bool addBos) const {
    if (Status s = checkInputUtf8(text); !s) return s.error();
    std::vector<std::int32_t> tokens;
    if (!text.empty()) {
        // run.c's add_dummy_prefix, mirroring SentencePiece.
        if (Status s = appendCodePoint(" ", tokens); !s) return s.error();
        std::size_t i = 0;
        while (i < text.size()) {
            const std::size_t start = i;
            decodeUtf8(text, i);
            if (Status s = appendCodePoint(text.substr(start, i - start), tokens); !s) return s.error();
        }
        mergeByScore(tokens, m_vocab, m_lookup);
    }
    // BOS goes in after merging: run.c lets it take part in merges, but no piece ever starts with
    // the "\n<s>\n" spelling, so the result is the same.
    std::vector<std::int32_t> ids;
    ids.reserve(tokens.size() + 1);
    if (addBos && bosId()) ids.push_back(*bosId());
    ids.insert(ids.end(), tokens.begin(), tokens.end());
    return ids;
}

std::string Llama2cTokenizer::decode(const std::vector<std::int32_t>& ids) const {
    std::string out;
    bool atStart = true;
    for (const std::int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) continue;
        if (id == kBos || id == kEos) {
            atStart = id == kBos;
            continue;
        }
        const std::string& piece = m_vocab.pieces[static_cast<std::size_t>(id)];
        std::string bytes = piece;
        if (const auto byte = bytePiece(piece)) bytes = std::string(1, *byte);
        // run.c drops the dummy-prefix space after BOS; doing the same at the start of the
        // sequence lets decode(encode(text)) give back text.
        if (atStart && !bytes.empty() && bytes.front() == ' ') bytes.erase(0, 1);
        atStart = false;
        out += bytes;
    }
    return sanitizeUtf8(out);
}

} // namespace

Result<std::unique_ptr<Tokenizer>> loadLlama2cTokenizer(const std::string& path, std::int32_t vocabSize) {
    return catchLoadErrors(path, [&]() -> Result<std::unique_ptr<Tokenizer>> {
        return std::unique_ptr<Tokenizer>(
            std::make_unique<Llama2cTokenizer>(readLlama2cVocab(path, vocabSize)));
    });
}

Result<std::unique_ptr<Tokenizer>> parseLlama2cTokenizer(std::string_view bytes, const std::string& path,
                                                         std::int32_t vocabSize) {
    return catchLoadErrors(path, [&]() -> Result<std::unique_ptr<Tokenizer>> {
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
        return std::unique_ptr<Tokenizer>(
            std::make_unique<Llama2cTokenizer>(parseLlama2cVocab(data, bytes.size(), path, vocabSize)));
    });
}

} // namespace sinkscope

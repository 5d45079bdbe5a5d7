// loadSentencePiece: tokenizer.model files (Llama-1/2, Mistral, Gemma...) read natively: the
// normalizer, BPE and unigram segmentation, byte fallback and decoding follow sentencepiece's
// source so ids match it exactly (checked against the python bindings in the tests).
#include "tokenizer/sentencepiece_tokenizer.h"

#include "core/utf8.h"
#include "tokenizer/load_error.h"
#include "tokenizer/spm_normalizer.h"
#include "tokenizer/spm_segment.h"
#include "tokenizer/token_text.h"
#include "tokenizer/tokenizer.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81"; // U+2581, SentencePiece's space

std::string replaceSpaceSymbols(std::string_view piece) {
    std::string out;
    for (std::size_t i = 0; i < piece.size();) {
        if (piece.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
            out += ' ';
            i += kSpaceSymbol.size();
        } else {
            out += piece[i++];
        }
    }
    return out;
}

class SentencePieceTokenizer final : public Tokenizer {
public:
    SentencePieceTokenizer(SpmModelSpec spec, const std::string& path, std::string source)
        : m_vocab(std::move(spec), path), m_normalizer(m_vocab, path), m_source(std::move(source)) {}

    Result<std::vector<std::int32_t>> encode(std::string_view text, bool addBos) const override {
        if (Status s = checkInputUtf8(text); !s) return s.error();
        std::vector<std::int32_t> ids;
        if (addBos && bosId()) ids.push_back(*bosId());
        const std::string normalized = m_normalizer.normalize(text);
        const auto segments = m_vocab.spec().modelType == SpmModelType::Bpe
                                  ? segmentBpe(m_vocab, normalized)
                                  : segmentUnigram(m_vocab, normalized);
        const bool byteFallback = m_vocab.spec().byteFallback;
        bool previousUnknown = false;
        for (const auto& [piece, id] : segments) {
            const bool unknown = id == m_vocab.unkId();
            if (unknown && byteFallback) {
                for (const char c : piece)
                    ids.push_back(m_vocab.byteId(static_cast<unsigned char>(c)));
            } else if (!(unknown && previousUnknown)) {
                // sentencepiece folds a run of unknown characters into a single <unk>.
                ids.push_back(id);
            }
            previousUnknown = unknown;
        }
        return ids;
    }

    std::string decode(const std::vector<std::int32_t>& ids) const override;

    std::string tokenText(std::int32_t id) const override {
        if (id < 0 || id >= vocabSize()) return fmt::format("<unused id {}>", id);
        const SpmPiece& p = m_vocab.piece(id);
        // Byte pieces are already spelled "<0xAB>"; control and unknown pieces keep their names.
        if (p.type == SpmPieceType::Byte || p.type == SpmPieceType::Control ||
            p.type == SpmPieceType::Unknown) {
            return displayBytes(p.text);
        }
        return displayBytes(replaceSpaceSymbols(p.text));
    }

    std::int32_t vocabSize() const override { return m_vocab.size(); }
    std::optional<std::int32_t> bosId() const override { return m_vocab.bosId(); }
    std::optional<std::int32_t> eosId() const override { return m_vocab.eosId(); }
    std::string describe() const override {
        const char* type = m_vocab.spec().modelType == SpmModelType::Bpe ? "BPE" : "unigram";
        return fmt::format("SentencePiece {} ({}), {} tokens", type, m_source, vocabSize());
    }

private:
    SpmVocab m_vocab;
    SpmNormalizer m_normalizer;
    std::string m_source;
};

std::string SentencePieceTokenizer::decode(const std::vector<std::int32_t>& ids) const {
    std::string text;
    std::string pendingBytes; // consecutive byte pieces form one UTF-8 sequence
    const SpmNormalizerSpec& norm = m_vocab.spec().normalizer;
    const bool stripDummyPrefix = norm.addDummyPrefix || norm.removeExtraWhitespaces;
    // Whether a leading U+2581 may still be the dummy prefix. Only one is removed, unless the model
    // removes extra whitespace, in which case the text cannot have started with any.
    bool atStart = true;
    for (const std::int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) continue; // sentencepiece would reject the whole call
        const SpmPiece& p = m_vocab.piece(id);
        if (p.type == SpmPieceType::Byte) {
            pendingBytes += m_vocab.byteOf(id);
            continue;
        }
        text += sanitizeUtf8(pendingBytes);
        pendingBytes.clear();
        if (!text.empty()) atStart = false;
        if (p.type == SpmPieceType::Control) continue; // <s>, </s> are invisible
        if (p.type == SpmPieceType::Unknown) {
            text += m_vocab.spec().unkSurface;
            continue;
        }
        std::string_view piece = p.text;
        if (atStart && stripDummyPrefix && piece.starts_with(kSpaceSymbol)) {
            piece.remove_prefix(kSpaceSymbol.size());
            if (!norm.removeExtraWhitespaces) atStart = false;
        }
        text += replaceSpaceSymbols(piece);
    }
    text += sanitizeUtf8(pendingBytes);
    return text;
}

} // namespace

std::unique_ptr<Tokenizer> makeSentencePieceTokenizer(SpmModelSpec spec, const std::string& path,
                                                      std::string source) {
    return std::make_unique<SentencePieceTokenizer>(std::move(spec), path, std::move(source));
}

Result<std::unique_ptr<Tokenizer>> loadSentencePiece(const std::string& path) {
    return catchLoadErrors(path, [&]() -> Result<std::unique_ptr<Tokenizer>> {
        return makeSentencePieceTokenizer(readSpmModel(path), path, "tokenizer.model");
    });
}

Result<std::unique_ptr<Tokenizer>> parseSentencePiece(std::string_view bytes, const std::string& path) {
    return catchLoadErrors(path, [&]() -> Result<std::unique_ptr<Tokenizer>> {
        return makeSentencePieceTokenizer(parseSpmModel(bytes, path), path, "tokenizer.model");
    });
}

} // namespace sinkscope

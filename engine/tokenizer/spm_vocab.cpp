#include "tokenizer/spm_vocab.h"

#include "core/excerpt.h"
#include "tokenizer/load_error.h"

#include <cfloat>
#include <fmt/format.h>

namespace sinkscope {

namespace {

// "<0xAB>" -> 0xAB; sentencepiece writes the hex digits in upper case.
std::optional<std::uint8_t> parseBytePiece(std::string_view text) {
    if (text.size() != 6 || !text.starts_with("<0x") || text[5] != '>') return std::nullopt;
    unsigned value = 0;
    for (const char c : text.substr(3, 2)) {
        const int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<unsigned>(digit);
    }
    return static_cast<std::uint8_t>(value);
}

bool isMatchable(SpmPieceType type) {
    return type == SpmPieceType::Normal || type == SpmPieceType::UserDefined || type == SpmPieceType::Unused;
}

} // namespace

std::size_t spmCharLength(std::string_view text) {
    static constexpr unsigned char kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return std::min<std::size_t>(text.size(), kLengths[static_cast<unsigned char>(text[0]) >> 4]);
}

SpmVocab::SpmVocab(SpmModelSpec spec, const std::string& path) : m_spec(std::move(spec)) {
    if (m_spec.modelType != SpmModelType::Unigram && m_spec.modelType != SpmModelType::Bpe) {
        throwLoadError(fmt::format("{}: trainer_spec.model_type {} (WORD or CHAR) is not supported", path,
                                   static_cast<int>(m_spec.modelType)));
    }
    if (m_spec.treatWhitespaceAsSuffix) {
        throwLoadError(path + ": trainer_spec.treat_whitespace_as_suffix is not supported");
    }
    // sentencepiece's quirk, kept for identical unigram scores: the maximum starts at FLT_MIN.
    m_byteOfPiece.assign(m_spec.pieces.size(), 0);
    m_minScore = FLT_MAX;
    m_maxScore = FLT_MIN;
    for (std::int32_t id = 0; id < size(); ++id) {
        const SpmPiece& p = piece(id);
        auto& map = isMatchable(p.type) ? m_matchableIds : m_reservedIds;
        if (!map.emplace(p.text, id).second) {
            throwLoadError(
                fmt::format("{}: pieces[{}] \"{}\" is already defined", path, id, excerpt(p.text)));
        }
        if (isMatchable(p.type)) m_matchable.insert(p.text, id);
        if (p.type == SpmPieceType::UserDefined) m_userDefined.insert(p.text, id);
        if (p.type == SpmPieceType::Normal) {
            m_minScore = std::min(m_minScore, p.score);
            m_maxScore = std::max(m_maxScore, p.score);
        }
        if (p.type == SpmPieceType::Unknown) {
            if (m_unkId >= 0) throwLoadError(fmt::format("{}: pieces[{}] is a second <unk>", path, id));
            m_unkId = id;
        }
        if (p.type == SpmPieceType::Byte) {
            if (!m_spec.byteFallback) {
                throwLoadError(
                    fmt::format("{}: pieces[{}] is a byte piece but byte_fallback is off", path, id));
            }
            const auto byte = parseBytePiece(p.text);
            if (!byte)
                throwLoadError(
                    fmt::format("{}: pieces[{}] \"{}\" is not a byte piece", path, id, excerpt(p.text)));
            m_byteOfPiece[static_cast<std::size_t>(id)] = *byte;
        }
    }
    if (m_unkId < 0) throwLoadError(path + ": the model has no <unk> piece");
    for (int b = 0; b < 256; ++b) {
        m_byteIds[static_cast<std::size_t>(b)] = pieceToId(fmt::format("<0x{:02X}>", b));
    }
}

std::int32_t SpmVocab::pieceToId(std::string_view text) const {
    if (const auto it = m_reservedIds.find(text); it != m_reservedIds.end()) return it->second;
    if (const auto it = m_matchableIds.find(text); it != m_matchableIds.end()) return it->second;
    return m_unkId;
}

std::optional<std::int32_t> SpmVocab::findMatchable(std::string_view text) const {
    const auto it = m_matchableIds.find(text);
    return it == m_matchableIds.end() ? std::nullopt : std::optional<std::int32_t>(it->second);
}

std::optional<std::int32_t> SpmVocab::controlId(std::string_view name) const {
    // A model trained with bos_id=-1 has no "<s>" piece; the lookup then lands on <unk>.
    const std::int32_t id = pieceToId(name);
    return isType(id, SpmPieceType::Control) ? std::optional<std::int32_t>(id) : std::nullopt;
}

std::size_t SpmVocab::leadingSymbol(std::string_view text, bool& userDefined) const {
    const std::size_t longest = m_userDefined.empty() ? 0 : m_userDefined.longestPrefix(text);
    userDefined = longest > 0;
    return userDefined ? longest : spmCharLength(text);
}

} // namespace sinkscope

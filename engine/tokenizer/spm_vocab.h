#pragma once
// SpmVocab: the indexed vocabulary of a SentencePiece model, with the lookup rules of
// sentencepiece's ModelInterface: NORMAL, USER_DEFINED and UNUSED pieces are matched against text;
// UNKNOWN, CONTROL and BYTE pieces are only found by exact name; anything missing maps to <unk>.
#include "tokenizer/piece_trie.h"
#include "tokenizer/spm_model_file.h"

#include <array>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinkscope {

// Byte length of the character that starts text, by its lead byte (sentencepiece's OneCharLen).
std::size_t spmCharLength(std::string_view text);

class SpmVocab {
public:
    // Checks the model as sentencepiece does at load time; throws LoadError naming path.
    SpmVocab(SpmModelSpec spec, const std::string& path);
    SpmVocab(const SpmVocab&) = delete; // the maps hold views into m_spec's strings
    SpmVocab& operator=(const SpmVocab&) = delete;

    const SpmModelSpec& spec() const { return m_spec; }
    std::int32_t size() const { return static_cast<std::int32_t>(m_spec.pieces.size()); }
    const SpmPiece& piece(std::int32_t id) const { return m_spec.pieces[static_cast<std::size_t>(id)]; }
    bool isType(std::int32_t id, SpmPieceType type) const { return piece(id).type == type; }

    std::int32_t unkId() const { return m_unkId; }
    std::optional<std::int32_t> bosId() const { return controlId(m_spec.bosPiece); }
    std::optional<std::int32_t> eosId() const { return controlId(m_spec.eosPiece); }

    // sentencepiece's PieceToId: reserved pieces first, then matchable ones, else <unk>.
    std::int32_t pieceToId(std::string_view text) const;
    // A matchable piece (NORMAL, USER_DEFINED, UNUSED) with exactly this text.
    std::optional<std::int32_t> findMatchable(std::string_view text) const;
    std::int32_t byteId(unsigned char byte) const { return m_byteIds[byte]; }
    // The byte a BYTE piece ("<0xAB>") stands for.
    char byteOf(std::int32_t id) const {
        return static_cast<char>(m_byteOfPiece[static_cast<std::size_t>(id)]);
    }

    // Every matchable piece, for unigram segmentation.
    const PieceTrie& matchableTrie() const { return m_matchable; }
    // Length of the symbol that starts text: a user-defined piece (sets userDefined) or one character.
    std::size_t leadingSymbol(std::string_view text, bool& userDefined) const;

    // Unigram scoring constants, computed over NORMAL pieces like sentencepiece does.
    float minScore() const { return m_minScore; }
    float maxScore() const { return m_maxScore; }

private:
    std::optional<std::int32_t> controlId(std::string_view name) const;

    SpmModelSpec m_spec;
    std::unordered_map<std::string_view, std::int32_t> m_matchableIds;
    std::unordered_map<std::string_view, std::int32_t> m_reservedIds;
    PieceTrie m_matchable;
    PieceTrie m_userDefined;
    std::array<std::int32_t, 256> m_byteIds{};
    std::vector<std::uint8_t> m_byteOfPiece; // per id; meaningful for BYTE pieces only
    std::int32_t m_unkId = -1;
    float m_minScore = 0.0F;
    float m_maxScore = 0.0F;
};

} // namespace sinkscope

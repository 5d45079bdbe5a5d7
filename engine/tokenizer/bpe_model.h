#pragma once
// BpeModel: the merge engine of Hugging Face BPE. Tokens are keyed by the bytes they stand for
// (raw bytes for byte-level vocabularies, the UTF-8 piece such as "▁the" for SentencePiece-style
// ones), and each merge by the id pair it joins, so encoding a word needs no string building: a
// priority queue always applies the lowest-ranked adjacent pair (leftmost on ties), which gives the
// same result as GPT-2's repeated "merge the best pair everywhere" loop.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinkscope {

class BpeModel {
public:
    BpeModel();

    // Registers a vocabulary token by its raw bytes. A later registration of the same bytes wins.
    void addToken(const std::string& bytes, std::int32_t id);
    std::optional<std::int32_t> find(std::string_view bytes) const;

    // Registers the merge a + b with the given rank. Returns a description of the problem when a,
    // b or their concatenation is not in the vocabulary (the caller adds the location).
    std::optional<std::string> addMerge(const std::string& a, const std::string& b, std::int32_t rank);

    // Llama-3's ignore_merges: a word that is itself a token is emitted whole.
    void setIgnoreMerges(bool on) { m_ignoreMerges = on; }
    // The id for a byte with no token; without one such bytes are dropped, as tokenizers does.
    void setUnknownId(std::optional<std::int32_t> id) { m_unknownId = id; }

    // SentencePiece-style vocabularies: a word starts as its UTF-8 characters rather than its bytes.
    // A character with no token becomes the tokens of its bytes ("<0x41>") when byteFallback holds
    // an id for each of them, else the unknown token; fuseUnknown folds a run of those into one.
    void setCharacterSymbols(std::optional<std::array<std::int32_t, 256>> byteFallback, bool fuseUnknown);

    // Appends the ids of one pre-token (raw bytes).
    void encodeWord(std::string_view word, std::vector<std::int32_t>& out) const;

private:
    struct Merge {
        std::int32_t rank;
        std::int32_t result;
    };
    static std::uint64_t pairKey(std::int32_t a, std::int32_t b) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
               static_cast<std::uint32_t>(b);
    }
    const Merge* findMerge(std::int32_t a, std::int32_t b) const;
    // The first symbols of a word, before any merge.
    void initialSymbols(std::string_view word, std::vector<std::int32_t>& ids) const;
    void initialCharacterSymbols(std::string_view word, std::vector<std::int32_t>& ids) const;

    // Transparent hashing lets string_view lookups skip building a std::string.
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> m_ids;
    std::unordered_map<std::uint64_t, Merge> m_merges;
    std::array<std::int32_t, 256> m_byteIds{}; // -1 where a byte has no token
    std::optional<std::int32_t> m_unknownId;
    bool m_ignoreMerges = false;
    bool m_characterSymbols = false;
    std::optional<std::array<std::int32_t, 256>> m_byteFallback; // -1 where a byte has no token
    bool m_fuseUnknown = false;
};

} // namespace sinkscope

#pragma once
// AddedTokenMatcher: finds added/special tokens ("<|endoftext|>") in raw text before any other
// processing, as tokenizers' AddedVocabulary does: literal, leftmost-longest matches. The text
// between matches goes on to pre-tokenization and BPE.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

struct AddedToken {
    std::string content;
    std::int32_t id = 0;
    bool special = true;
    bool lstrip = false; // swallow whitespace before the token
    bool rstrip = false; // swallow whitespace after the token
    // Matched in the normalized text rather than the raw input (tokenizers' "normalized").
    bool normalized = false;
};

class AddedTokenMatcher {
public:
    AddedTokenMatcher() = default;
    explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

    struct Segment {
        std::string_view text;          // plain text to pre-tokenize, when id is empty
        std::optional<std::int32_t> id; // an added token
    };
    std::vector<Segment> split(std::string_view text) const;

    const std::vector<AddedToken>& tokens() const { return m_tokens; }

private:
    // Index of the longest token matching at text[pos], or -1.
    int longestMatchAt(std::string_view text, std::size_t pos) const;

    std::vector<AddedToken> m_tokens;
    // Candidates by first byte, longest first, so a scan position costs one small list at most.
    std::array<std::vector<int>, 256> m_byFirstByte;
};

} // namespace sinkscope

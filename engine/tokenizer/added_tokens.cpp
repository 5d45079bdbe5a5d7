#include "tokenizer/added_tokens.h"

#include <algorithm>

namespace sinkscope {

namespace {

// tokenizers strips Unicode whitespace around lstrip/rstrip tokens; ASCII whitespace covers the
// tokens that set these flags in practice (mask and chat tokens).
bool isAsciiSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

} // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : m_tokens(std::move(tokens)) {
    for (std::size_t i = 0; i < m_tokens.size(); ++i) {
        if (m_tokens[i].content.empty()) continue;
        m_byFirstByte[static_cast<unsigned char>(m_tokens[i].content[0])].push_back(static_cast<int>(i));
    }
    for (auto& list : m_byFirstByte) {
        std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
            return m_tokens[static_cast<std::size_t>(a)].content.size() >
                   m_tokens[static_cast<std::size_t>(b)].content.size();
        });
    }
}

int AddedTokenMatcher::longestMatchAt(std::string_view text, std::size_t pos) const {
    for (const int index : m_byFirstByte[static_cast<unsigned char>(text[pos])]) {
        const std::string& content = m_tokens[static_cast<std::size_t>(index)].content;
        if (text.compare(pos, content.size(), content) == 0) return index;
    }
    return -1;
}

std::vector<AddedTokenMatcher::Segment> AddedTokenMatcher::split(std::string_view text) const {
    std::vector<Segment> out;
    std::size_t plainStart = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const int index = longestMatchAt(text, pos);
        if (index < 0) {
            ++pos;
            continue;
        }
        const AddedToken& token = m_tokens[static_cast<std::size_t>(index)];
        std::size_t plainEnd = pos;
        if (token.lstrip) {
            while (plainEnd > plainStart && isAsciiSpace(text[plainEnd - 1]))
                --plainEnd;
        }
        if (plainEnd > plainStart)
            out.push_back({text.substr(plainStart, plainEnd - plainStart), std::nullopt});
        out.push_back({text.substr(pos, token.content.size()), token.id});
        pos += token.content.size();
        if (token.rstrip) {
            while (pos < text.size() && isAsciiSpace(text[pos]))
                ++pos;
        }
        plainStart = pos;
    }
    if (plainStart < text.size()) out.push_back({text.substr(plainStart), std::nullopt});
    return out;
}

} // namespace sinkscope

#include "tokenizer/piece_trie.h"

namespace sinkscope {

void PieceTrie::insert(std::string_view key, std::int32_t value) {
    std::uint32_t node = 0;
    for (const char c : key) {
        const auto [it, added] =
            m_edges.try_emplace(edgeKey(node, c), static_cast<std::uint32_t>(m_values.size()));
        if (added) m_values.push_back(-1);
        node = it->second;
    }
    if (m_values[node] < 0) m_values[node] = value;
}

std::size_t PieceTrie::longestPrefix(std::string_view text) const {
    std::size_t longest = 0;
    forEachPrefix(text, [&](std::size_t length, std::int32_t) { longest = length; });
    return longest;
}

} // namespace sinkscope

#pragma once
// PieceTrie: a byte trie over vocabulary pieces, for "which pieces start here" queries (unigram
// Viterbi, longest-match of user-defined symbols). Edges live in one hash map keyed by
// (node, byte), which keeps a 250k-piece vocabulary compact without per-node containers.
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinkscope {

class PieceTrie {
public:
    PieceTrie() : m_values(1, -1) {}

    // Adds key; the first value stored for a key is kept.
    void insert(std::string_view key, std::int32_t value);
    bool empty() const { return m_values.size() == 1; }

    // Calls f(length, value) for every stored key that is a prefix of text, shortest first.
    template <typename F> void forEachPrefix(std::string_view text, F&& f) const {
        std::uint32_t node = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            const auto it = m_edges.find(edgeKey(node, text[i]));
            if (it == m_edges.end()) return;
            node = it->second;
            if (m_values[node] >= 0) f(i + 1, m_values[node]);
        }
    }

    // Length of the longest stored key that is a prefix of text (0 if none).
    std::size_t longestPrefix(std::string_view text) const;

private:
    static std::uint64_t edgeKey(std::uint32_t node, char c) {
        return (static_cast<std::uint64_t>(node) << 8) | static_cast<unsigned char>(c);
    }
    std::unordered_map<std::uint64_t, std::uint32_t> m_edges;
    std::vector<std::int32_t> m_values; // per node; -1 where no key ends
};

} // namespace sinkscope

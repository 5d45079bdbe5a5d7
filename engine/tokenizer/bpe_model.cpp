#include "tokenizer/bpe_model.h"

#include <queue>

namespace sinkscope {

namespace {

struct Symbol {
    std::int32_t id;
    std::int32_t prev; // index of the left neighbour, -1 at the start
    std::int32_t next; // index of the right neighbour, -1 at the end
    bool alive;
};

struct Candidate {
    std::int32_t rank;
    std::int32_t pos; // index of the left symbol; symbol indices keep text order
    std::int32_t result;
    // std::priority_queue pops the greatest element, so "greater" means lower rank, then further left.
    bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

} // namespace

BpeModel::BpeModel() {
    m_byteIds.fill(-1);
}

void BpeModel::addToken(const std::string& bytes, std::int32_t id) {
    m_ids.insert_or_assign(bytes, id);
    if (bytes.size() == 1) m_byteIds[static_cast<unsigned char>(bytes[0])] = id;
}

std::optional<std::int32_t> BpeModel::find(std::string_view bytes) const {
    const auto it = m_ids.find(bytes);
    if (it == m_ids.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> BpeModel::addMerge(const std::string& a, const std::string& b, std::int32_t rank) {
    const auto left = find(a);
    if (!left) return "its first part is not in the vocabulary";
    const auto right = find(b);
    if (!right) return "its second part is not in the vocabulary";
    const auto merged = find(a + b);
    if (!merged) return "the merged token is not in the vocabulary";
    // Like GPT-2's dict(zip(merges, range(...))), a repeated pair keeps its last rank.
    m_merges.insert_or_assign(pairKey(*left, *right), Merge{rank, *merged});
    return std::nullopt;
}

const BpeModel::Merge* BpeModel::findMerge(std::int32_t a, std::int32_t b) const {
    const auto it = m_merges.find(pairKey(a, b));
    return it == m_merges.end() ? nullptr : &it->second;
}

void BpeModel::encodeWord(std::string_view word, std::vector<std::int32_t>& out) const {
    if (m_ignoreMerges) {
        if (const auto whole = find(word)) {
            out.push_back(*whole);
            return;
        }
    }
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    for (const char c : word) {
        std::int32_t id = m_byteIds[static_cast<unsigned char>(c)];
        if (id < 0) {
            if (!m_unknownId) continue;
            id = *m_unknownId;
        }
        const auto index = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({id, index - 1, index + 1, true});
    }
    if (symbols.empty()) return;
    symbols.back().next = -1;

    std::priority_queue<Candidate> queue;
    auto consider = [&](std::int32_t pos) {
        const std::int32_t next = symbols[static_cast<std::size_t>(pos)].next;
        if (next < 0) return;
        if (const Merge* m = findMerge(symbols[static_cast<std::size_t>(pos)].id,
                                       symbols[static_cast<std::size_t>(next)].id)) {
            queue.push({m->rank, pos, m->result});
        }
    };
    for (std::int32_t i = 0; i + 1 < static_cast<std::int32_t>(symbols.size()); ++i)
        consider(i);

    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
        if (!left.alive || left.next < 0) continue;
        Symbol& right = symbols[static_cast<std::size_t>(left.next)];
        // The entry is stale if either side has merged since it was queued.
        const Merge* m = findMerge(left.id, right.id);
        if (m == nullptr || m->result != top.result || m->rank != top.rank) continue;
        left.id = top.result;
        right.alive = false;
        left.next = right.next;
        if (left.next >= 0) symbols[static_cast<std::size_t>(left.next)].prev = top.pos;
        if (left.prev >= 0) consider(left.prev);
        consider(top.pos);
    }
    for (std::int32_t i = 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
        out.push_back(symbols[static_cast<std::size_t>(i)].id);
    }
}

} // namespace sinkscope

#include "tokenizer/llama2c_merge.h"

#include <queue>
#include <string>

namespace sinkscope {

namespace {

struct Symbol {
    std::int32_t id;
    std::int32_t next; // -1 at the end
    std::int32_t prev; // -1 at the start
    bool alive;
};

struct Candidate {
    float score;
    std::int32_t pos; // left symbol; indices keep text order
    std::int32_t leftId;
    std::int32_t rightId;
    std::int32_t result;
    // priority_queue pops the greatest: higher score first, then the leftmost position.
    bool operator<(const Candidate& o) const { return score != o.score ? score < o.score : pos > o.pos; }
};

} // namespace

void mergeByScore(std::vector<std::int32_t>& tokens, const Llama2cVocab& vocab, const PieceLookup& lookup) {
    const auto n = static_cast<std::int32_t>(tokens.size());
    std::vector<Symbol> symbols(tokens.size());
    for (std::int32_t i = 0; i < n; ++i) {
        symbols[static_cast<std::size_t>(i)] = {tokens[static_cast<std::size_t>(i)], i + 1 < n ? i + 1 : -1,
                                                i - 1, true};
    }
    std::priority_queue<Candidate> queue;
    std::string joined;
    auto consider = [&](std::int32_t pos) {
        const Symbol& left = symbols[static_cast<std::size_t>(pos)];
        if (left.next < 0) return;
        const Symbol& right = symbols[static_cast<std::size_t>(left.next)];
        joined = vocab.pieces[static_cast<std::size_t>(left.id)];
        joined += vocab.pieces[static_cast<std::size_t>(right.id)];
        const auto it = lookup.find(joined);
        if (it == lookup.end()) return;
        queue.push({vocab.scores[static_cast<std::size_t>(it->second)], pos, left.id, right.id, it->second});
    };
    for (std::int32_t i = 0; i + 1 < n; ++i)
        consider(i);

    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
        if (!left.alive || left.next < 0 || left.id != top.leftId) continue;
        Symbol& right = symbols[static_cast<std::size_t>(left.next)];
        if (right.id != top.rightId) continue; // a neighbour merged since this entry was queued
        left.id = top.result;
        right.alive = false;
        left.next = right.next;
        if (left.next >= 0) symbols[static_cast<std::size_t>(left.next)].prev = top.pos;
        if (left.prev >= 0) consider(left.prev);
        consider(top.pos);
    }
    tokens.clear();
    for (std::int32_t i = n > 0 ? 0 : -1; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
        tokens.push_back(symbols[static_cast<std::size_t>(i)].id);
    }
}

} // namespace sinkscope

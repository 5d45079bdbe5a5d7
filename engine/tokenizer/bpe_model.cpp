#include "tokenizer/bpe_model.h"

#include <algorithm>
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

void BpeModel::setCharacterSymbols(std::optional<std::array<std::int32_t, 256>> byteFallback,
                                   bool fuseUnknown) {
    m_characterSymbols = true;
    m_byteFallback = byteFallback;
    m_fuseUnknown = fuseUnknown;
}

void BpeModel::initialSymbols(std::string_view word, std::vector<std::int32_t>& ids) const {
    if (m_characterSymbols) {
        initialCharacterSymbols(word, ids);
        return;
    }
    for (const char c : word) {
        const std::int32_t id = m_byteIds[static_cast<unsigned char>(c)];
        if (id >= 0) {
            ids.push_back(id);
        } else if (m_unknownId) {
            ids.push_back(*m_unknownId);
        }
    }
}

// Follows tokenizers' BPE::merge_word, including an order it has: byte-fallback tokens go out at
// once, while an unknown token waits until the next known character (or the end of the word).
void BpeModel::initialCharacterSymbols(std::string_view word, std::vector<std::int32_t>& ids) const {
    std::int32_t pendingUnknown = -1; // -1: none waiting
    for (std::size_t pos = 0; pos < word.size();) {
        const auto lead = static_cast<unsigned char>(word[pos]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        const std::string_view character = word.substr(pos, length);
        pos += character.size();
        if (const auto id = find(character)) {
            if (pendingUnknown >= 0) ids.push_back(pendingUnknown);
            pendingUnknown = -1;
            ids.push_back(*id);
            continue;
        }
        if (m_byteFallback) {
            const auto& table = *m_byteFallback;
            const bool complete = std::all_of(character.begin(), character.end(), [&](char c) {
                return table[static_cast<unsigned char>(c)] >= 0;
            });
            if (complete) {
                for (const char c : character)
                    ids.push_back(table[static_cast<unsigned char>(c)]);
                continue;
            }
        }
        if (!m_unknownId) continue;
        if (pendingUnknown >= 0 && !m_fuseUnknown) ids.push_back(pendingUnknown);
        pendingUnknown = *m_unknownId;
    }
    if (pendingUnknown >= 0) ids.push_back(pendingUnknown);
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
    std::vector<std::int32_t> initial;
    initial.reserve(word.size());
    initialSymbols(word, initial);
    std::vector<Symbol> symbols;
    symbols.reserve(initial.size());
    for (const std::int32_t id : initial) {
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

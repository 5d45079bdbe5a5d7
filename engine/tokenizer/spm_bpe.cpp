#include "tokenizer/spm_segment.h"

#include <functional>
#include <queue>
#include <unordered_map>

namespace sinkscope {

namespace {

struct Symbol {
    std::int32_t prev;
    std::int32_t next;
    bool frozen; // user-defined symbols never merge
    std::string_view piece;
};

struct Pair {
    std::int32_t left;
    std::int32_t right;
    float score;
    std::size_t size;
    // priority_queue pops the greatest: higher score first, then the leftmost pair.
    bool operator<(const Pair& o) const { return score != o.score ? score < o.score : left > o.left; }
};

} // namespace

std::vector<SpmSegment> segmentBpe(const SpmVocab& vocab, std::string_view normalized) {
    std::vector<Symbol> symbols;
    for (std::size_t pos = 0; pos < normalized.size();) {
        bool frozen = false;
        const std::size_t length = vocab.leadingSymbol(normalized.substr(pos), frozen);
        const auto index = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({index - 1, pos + length < normalized.size() ? index + 1 : -1, frozen,
                           normalized.substr(pos, length)});
        pos += length;
    }

    std::priority_queue<Pair> agenda;
    // Merged pieces that are UNUSED in the vocabulary, remembered so they can be split again.
    std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unusedMerges;
    auto maybeAdd = [&](std::int32_t left, std::int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<std::size_t>(left)];
        const Symbol& r = symbols[static_cast<std::size_t>(right)];
        if (l.frozen || r.frozen) return;
        const std::string_view joined(l.piece.data(), l.piece.size() + r.piece.size());
        const auto id = vocab.findMatchable(joined);
        if (!id) return;
        agenda.push({left, right, vocab.piece(*id).score, joined.size()});
        if (vocab.isType(*id, SpmPieceType::Unused)) unusedMerges[joined] = {l.piece, r.piece};
    };
    for (std::size_t i = 1; i < symbols.size(); ++i)
        maybeAdd(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));

    while (!agenda.empty()) {
        const Pair top = agenda.top();
        agenda.pop();
        Symbol& left = symbols[static_cast<std::size_t>(top.left)];
        Symbol& right = symbols[static_cast<std::size_t>(top.right)];
        // Stale entry: one side was absorbed or grew since it was queued.
        if (left.piece.empty() || right.piece.empty() || left.piece.size() + right.piece.size() != top.size)
            continue;
        left.piece = std::string_view(left.piece.data(), top.size);
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = top.left;
        right.piece = {};
        maybeAdd(left.prev, top.left);
        maybeAdd(top.left, left.next);
    }

    std::vector<SpmSegment> out;
    std::function<void(std::string_view)> resegment = [&](std::string_view piece) {
        const std::int32_t id = vocab.pieceToId(piece);
        const auto split = unusedMerges.find(piece);
        if (!vocab.isType(id, SpmPieceType::Unused) || split == unusedMerges.end()) {
            out.emplace_back(piece, id);
            return;
        }
        resegment(split->second.first);
        resegment(split->second.second);
    };
    for (std::int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
        resegment(symbols[static_cast<std::size_t>(i)].piece);
    }
    return out;
}

} // namespace sinkscope

#include "tokenizer/spm_segment.h"

namespace sinkscope {

namespace {

constexpr float kUnknownPenalty = 10.0F;

struct BestPath {
    std::int32_t id = -1;
    float score = 0.0F;
    std::int64_t startsAt = -1; // -1: no path reaches this position yet
};

} // namespace

std::vector<SpmSegment> segmentUnigram(const SpmVocab& vocab, std::string_view normalized) {
    const std::size_t size = normalized.size();
    const float unknownScore = vocab.minScore() - kUnknownPenalty;
    std::vector<BestPath> best(size + 1);
    std::size_t start = 0;
    while (start < size) {
        const float scoreHere = best[start].score;
        const std::size_t charLength = spmCharLength(normalized.substr(start));
        bool coversChar = false;
        vocab.matchableTrie().forEachPrefix(
            normalized.substr(start), [&](std::size_t length, std::int32_t id) {
                if (vocab.isType(id, SpmPieceType::Unused)) return;
                // Scores are combined in the same float/double mix as sentencepiece for identical ties.
                const double score =
                    vocab.isType(id, SpmPieceType::UserDefined)
                        ? static_cast<double>(static_cast<float>(length) * vocab.maxScore()) - 0.1
                        : static_cast<double>(vocab.piece(id).score);
                const double candidate = score + static_cast<double>(scoreHere);
                BestPath& target = best[start + length];
                if (target.startsAt == -1 || candidate > static_cast<double>(target.score)) {
                    target = {id, static_cast<float>(candidate), static_cast<std::int64_t>(start)};
                }
                if (length == charLength) coversChar = true;
            });
        if (!coversChar) {
            BestPath& target = best[start + charLength];
            const float candidate = unknownScore + scoreHere;
            if (target.startsAt == -1 || candidate > target.score) {
                target = {vocab.unkId(), candidate, static_cast<std::int64_t>(start)};
            }
        }
        start += charLength;
    }
    std::vector<SpmSegment> out;
    for (std::size_t end = size; end > 0;) {
        const BestPath& node = best[end];
        if (node.startsAt < 0) break; // unreachable: every character boundary gets a path
        const auto from = static_cast<std::size_t>(node.startsAt);
        out.emplace_back(normalized.substr(from, end - from), node.id);
        end = from;
    }
    return {out.rbegin(), out.rend()};
}

} // namespace sinkscope

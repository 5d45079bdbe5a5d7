#pragma once
// Output effect of an intervention on the next-token distribution, generation divergence and
// perplexity (definitions: docs/methods.md, "Output effect"). Logits rows are float32 as the model
// produces them; all arithmetic is in double so that small KL values survive large vocabularies.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sinkscope {

// log-softmax of one logits row, in double (stable: subtract the max).
std::vector<double> logSoftmax(const float* logits, std::int64_t n);

// KL(base || other) in nats between the next-token distributions of two logits rows.
double klDivergence(const float* baseLogits, const float* otherLogits, std::int64_t n);

struct RankedToken {
    std::int32_t id = 0;
    double prob = 0;
};

// The k most probable tokens, descending prob, ties by lower id (k is clamped to [0, n]).
std::vector<RankedToken> topK(const float* logits, std::int64_t n, int k);

// 0-based rank of token id under logits (number of tokens with strictly higher logit; ties: lower id
// first), so rankOf(topK(...)[r].id) == r. An id outside [0, n) has no rank: -1.
std::int64_t rankOf(const float* logits, std::int64_t n, std::int32_t id);

struct NextTokenEffect {
    double kl = 0;                                   // KL(base || intervened)
    std::vector<RankedToken> baseTop, intervenedTop; // top-k of each
    std::int32_t baseTop1 = 0;
    std::int64_t baseTop1RankAfter = 0; // rank of the base top-1 under the intervened run
    double baseTop1ProbAfter = 0;
    std::int32_t intervenedTop1 = 0;
    bool top1Changed = false;
};

// Everything the output-effect panel shows for one next-token position (n must be > 0).
NextTokenEffect nextTokenEffect(const float* baseLogits, const float* intervenedLogits, std::int64_t n,
                                int k = 10);

// First index where two generated sequences differ; nullopt when equal. A strict prefix diverges at
// the shorter length.
std::optional<std::size_t> firstDivergence(const std::vector<std::int32_t>& a,
                                           const std::vector<std::int32_t>& b);

// Negative log-likelihood (nats) of `target` under one logits row. A target outside [0, n) is a
// caller bug and yields NaN, which poisons the perplexity visibly instead of skewing it.
double tokenNll(const float* logits, std::int64_t n, std::int32_t target);

// Accumulates NLL; perplexity = exp(mean NLL). With no tokens the mean is 0 and the perplexity 1.
class PerplexityAccumulator {
public:
    void add(double nll);
    std::int64_t count() const;
    double meanNll() const;
    double perplexity() const;

private:
    double m_sum = 0.0;
    std::int64_t m_count = 0;
};

} // namespace sinkscope

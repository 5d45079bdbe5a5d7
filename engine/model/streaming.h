#pragma once
// StreamingLLM's cache policy: the first n_sink tokens and the `window` most recent ones (the
// current token included) stay in the KV cache; everything between is evicted before each new
// token. Tokens are fed in one pass while the cache has room and one at a time afterwards, which
// is exactly the attention each token would get from token-by-token decoding.
//
// Positions: with positionShift (the paper's "pos shift") a token's position is its cache slot
// and RoPE models rotate the cached keys at attention time with slot positions, so distances
// inside the cache stay those of a short text. Without it tokens keep their positions in the
// text (RoPE rotates keys once, when cached). GPT-2's learned positions are added to the input,
// so under pos shift a token takes the position of the slot it enters and keeps it.
#include "intervene/intervention.h"
#include "model/transformer.h"

#include <cstdint>
#include <vector>

namespace sinkscope::detail {

class StreamingFeeder {
public:
    StreamingFeeder(const ModelConfig& c, const TransformerWeights& w, const Intervention& policy);

    // Feeds the next tokens of the text; returns their final hidden states [1, n, D].
    at::Tensor feed(const at::Tensor& tokens, ForwardObserver* observer, InterventionState* interventions);

    std::int64_t fed() const { return m_fed; }
    std::int64_t cacheLength() const { return m_cache.length; }

private:
    const ModelConfig& m_c;
    const TransformerWeights& m_w;
    std::int64_t m_sinks, m_window;
    bool m_shift;
    KvCache m_cache;
    std::int64_t m_fed = 0;
};

} // namespace sinkscope::detail

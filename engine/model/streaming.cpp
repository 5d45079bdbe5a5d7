#include "model/streaming.h"

namespace sinkscope::detail {

StreamingFeeder::StreamingFeeder(const ModelConfig& c, const TransformerWeights& w,
                                 const Intervention& policy)
    : m_c(c), m_w(w), m_sinks(policy.streamSinks), m_window(policy.streamWindow),
      m_shift(policy.positionShift) {
    m_cache.capacity = m_sinks + m_window;
    m_cache.unrotatedKeys = m_shift && c.usesRope();
}

at::Tensor StreamingFeeder::feed(const at::Tensor& tokens, ForwardObserver* observer,
                                 InterventionState* interventions) {
    const std::int64_t n = tokens.size(1), capacity = m_sinks + m_window;
    std::vector<at::Tensor> out;
    for (std::int64_t i = 0; i < n;) {
        std::int64_t room = capacity - m_cache.length;
        if (room <= 0) {
            m_cache.evictMiddle(m_sinks, m_window - 1);
            room = 1;
        }
        const std::int64_t chunk = std::min(room, n - i);
        for (std::int64_t p = 0; p < chunk; ++p)
            m_cache.positions.push_back(m_fed + p);
        ForwardContext ctx;
        ctx.observer = observer;
        ctx.cache = &m_cache;
        ctx.interventions = interventions;
        ctx.positionStart = m_shift ? m_cache.length : m_fed;
        out.push_back(forwardHidden(m_c, m_w, tokens.narrow(1, i, chunk), ctx));
        i += chunk;
        m_fed += chunk;
    }
    return out.size() == 1 ? out[0] : at::cat(out, 1);
}

} // namespace sinkscope::detail

#pragma once
// Observer plumbing the engine itself needs: a fan-out that hands one pass to two observers, and a
// recorder of the residual stream (the secondary-sink interventions resolve their sink set from it
// before the intervened pass). The captures built on top live in engine/session.
#include "metrics/secondary_sinks.h" // HiddenStates
#include "model/observer.h"

#include <cstdint>
#include <utility>

namespace sinkscope {

// Keeps the residual stream of every state (L + 1 of them) as HiddenStates.
class HiddenStateRecorder : public ForwardObserver {
public:
    explicit HiddenStateRecorder(int states) { m_h.states.resize(static_cast<std::size_t>(states)); }
    bool wantsHiddenStates() override { return true; }
    void onHiddenStates(int state, std::int64_t first, const float* data, std::int64_t count,
                        std::int64_t dim) override;
    const HiddenStates& states() const { return m_h; }
    HiddenStates take() { return std::move(m_h); } // leaves the recorder empty

private:
    HiddenStates m_h;
};

// Hands one pass to two observers, each seeing only what it asked for: one pass instead of two.
class ObserverFanout : public ForwardObserver {
public:
    ObserverFanout(ForwardObserver& a, ForwardObserver& b) : m_a(a), m_b(b) {}
    bool wantsAttention(int l, int h) override { return m_a.wantsAttention(l, h) | m_b.wantsAttention(l, h); }
    void onAttention(int l, int h, const MatrixView& w) override;
    bool wantsScores(int l, int h) override { return m_a.wantsScores(l, h) | m_b.wantsScores(l, h); }
    void onScores(int l, int h, const MatrixView& z) override;
    bool wantsHiddenNorms() override { return m_a.wantsHiddenNorms() | m_b.wantsHiddenNorms(); }
    void onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) override;
    bool wantsHiddenStates() override { return m_a.wantsHiddenStates() | m_b.wantsHiddenStates(); }
    void onHiddenStates(int state, std::int64_t first, const float* d, std::int64_t count,
                        std::int64_t dim) override;
    bool wantsHeadValues(int l) override { return m_a.wantsHeadValues(l) | m_b.wantsHeadValues(l); }
    void onHeadValues(int l, int h, std::int64_t first, const float* v, std::int64_t count,
                      std::int64_t headDim) override;
    void onOutputProjection(int l, int h, const float* wo, std::int64_t dModel,
                            std::int64_t headDim) override;
    bool wantsKvNorms(int l) override { return m_a.wantsKvNorms(l) | m_b.wantsKvNorms(l); }
    bool cancelled() override { return m_a.cancelled() || m_b.cancelled(); }
    void onKvNorms(int l, int h, std::int64_t first, const float* k, const float* v,
                   std::int64_t count) override;

private:
    ForwardObserver& m_a;
    ForwardObserver& m_b;
};

} // namespace sinkscope

#pragma once
// ForwardObserver: how callers receive what the forward pass computes. Capture is two-phase:
// the model first asks whether anyone wants an item ("wants…"), and only then copies or hands a
// view of it ("on…"), so nothing is materialised that nobody asked for. Views are valid only
// during the call. All callbacks run on the thread that calls the model, except onAttention for
// an observer that declares concurrentAttention().
#include "core/matrix_view.h"

#include <cstdint>

namespace sinkscope {

class ForwardObserver {
public:
    virtual ~ForwardObserver() = default;

    // Post-softmax attention weights of (layer, query head): rows = the queries of this call.
    virtual bool wantsAttention(int /*layer*/, int /*head*/) { return false; }
    virtual void onAttention(int /*layer*/, int /*head*/, const MatrixView& /*weights*/) {}
    // True: onAttention may be called from the engine's worker threads, for different heads of a
    // layer at the same time (each (layer, head) still once per pass; wantsAttention is still asked
    // on the calling thread first). A capture then copies a head out on the thread that computed
    // it, while the next head is being computed.
    virtual bool concurrentAttention() const { return false; }

    // Pre-softmax scores z = q.k / sqrt(head_dim), with masked (future) entries = -inf.
    virtual bool wantsScores(int /*layer*/, int /*head*/) { return false; }
    virtual void onScores(int /*layer*/, int /*head*/, const MatrixView& /*scores*/) {}

    // L2 norm of the residual stream per token, for states 0..L (state l enters layer l; state L
    // leaves the last layer, before the final norm).
    virtual bool wantsHiddenNorms() { return false; }
    virtual void onHiddenNorms(int /*state*/, std::int64_t /*firstToken*/, const float* /*norms*/,
                               std::int64_t /*count*/) {}

    // The residual stream itself, row-major [count, dim], for the same states as the norms.
    virtual bool wantsHiddenStates() { return false; }
    virtual void onHiddenStates(int /*state*/, std::int64_t /*firstToken*/, const float* /*data*/,
                                std::int64_t /*count*/, std::int64_t /*dim*/) {}

    // Value vectors of the new tokens as query head `head` reads them (GQA heads share their kv
    // head's), row-major [count, headDim]; and that head's slice of the output projection,
    // row-major [dModel, headDim], so that the head's output is o_i = W_O^h sum_j A[i,j] v_j.
    virtual bool wantsHeadValues(int /*layer*/) { return false; }
    virtual void onHeadValues(int /*layer*/, int /*head*/, std::int64_t /*firstToken*/,
                              const float* /*values*/, std::int64_t /*count*/, std::int64_t /*headDim*/) {}
    virtual void onOutputProjection(int /*layer*/, int /*head*/, const float* /*wo*/, std::int64_t /*dModel*/,
                                    std::int64_t /*headDim*/) {}

    // Asked before each layer: true stops the pass there (Esc on a long prompt). What the pass then
    // returns, and what observers saw of it, is incomplete; the caller that asked discards it.
    virtual bool cancelled() { return false; }

    // L2 norms of keys and values per token, reported per query head (GQA heads share them).
    virtual bool wantsKvNorms(int /*layer*/) { return false; }
    virtual void onKvNorms(int /*layer*/, int /*head*/, std::int64_t /*firstToken*/,
                           const float* /*keyNorms*/, const float* /*valueNorms*/, std::int64_t /*count*/) {}
};

} // namespace sinkscope

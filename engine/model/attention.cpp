#include "model/attention.h"

#include "model/causal_attention.h"
#include "model/inference_attention.h"
#include "model/intervention_state.h"

#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

namespace sinkscope::detail {

namespace {

// A CPU view of head h; off-CPU (or oddly strided) tensors are copied for that head only.
MatrixView headView(const at::Tensor& t, int head, std::int64_t firstRow, std::int64_t window,
                    at::Tensor& keepAlive) {
    at::Tensor h = t[0][head];
    if (!h.device().is_cpu() || h.stride(1) != 1 || h.scalar_type() != at::kFloat)
        h = h.to(at::kCPU, at::kFloat).contiguous();
    keepAlive = h;
    return MatrixView{h.data_ptr<float>(), h.size(0), h.size(1), h.stride(0), firstRow, window};
}

bool wantsAnyScores(ForwardObserver* observer, int layer, int heads) {
    if (!observer) return false;
    for (int h = 0; h < heads; ++h)
        if (observer->wantsScores(layer, h)) return true;
    return false;
}

// True where key slot j is hidden from query row i: in the future, or (window W > 0) at a
// position W or more before the query's. Positions are the slots' own, or their token positions
// after a streaming cache evicted some.
at::Tensor hiddenKeys(std::int64_t T, std::int64_t Tk, std::int64_t startPos, int window,
                      const std::vector<std::int64_t>* slotPositions, const at::Device& device) {
    auto opts = at::TensorOptions().dtype(at::kLong).device(device);
    auto rows = at::arange(startPos, startPos + T, opts).unsqueeze(1);
    auto cols = at::arange(Tk, opts).unsqueeze(0);
    at::Tensor mask = cols > rows;
    if (window > 0) {
        at::Tensor qPos = rows, kPos = cols;
        if (slotPositions) {
            const auto& p = *slotPositions;
            at::Tensor all =
                at::tensor(std::vector<std::int64_t>(p.begin(), p.begin() + Tk), opts.device(at::kCPU))
                    .to(device);
            kPos = all.unsqueeze(0);
            qPos = all.narrow(0, startPos, T).unsqueeze(1);
        }
        mask = mask.logical_or(kPos <= qPos - window);
    }
    return mask;
}

// Whether any query of this pass has a key outside its window.
bool windowBites(int window, std::int64_t startPos, std::int64_t T,
                 const std::vector<std::int64_t>* slotPositions) {
    if (window <= 0) return false;
    const std::int64_t lastPos =
        slotPositions ? (*slotPositions)[static_cast<std::size_t>(startPos + T - 1)] : startPos + T - 1;
    return lastPos >= window;
}

// Scores (masked: -inf for future keys and keys outside a window) and weights [B, nH, T, Tk] in
// ATen ops: cached steps, streaming caches, sink-logit and sigmoid attention, soft-capping,
// windows that bite, devices other than the CPU, training.
std::pair<at::Tensor, at::Tensor> generalProbabilities(const ModelConfig& c, const AttentionInputs& in) {
    const std::int64_t B = in.q.size(0), nH = c.nHeads, nKv = c.nKvHeads, G = c.groupSize();
    const std::int64_t T = in.q.size(2), hd = in.q.size(3), Tk = in.k.size(2);
    // Grouped-query attention without copying keys: the G query heads that share a key/value head
    // are stacked along the row axis, so one batched matmul serves them all.
    // The scale goes on q ([T, hd]) rather than on the scores ([T, Tk]): fewer passes.
    const at::Tensor q = (in.q * c.scoreScale()).reshape({B, nKv, G * T, hd});
    at::Tensor scores = at::matmul(q, in.k.transpose(-1, -2)).view({B, nH, T, Tk});
    // Gemma 2's soft-capping is part of the score, before the mask (Gemma2Attention).
    if (c.attnSoftcap > 0) scores = at::tanh(scores / c.attnSoftcap) * c.attnSoftcap;
    const int window = c.windowOf(in.layer);
    // In place: matmul's backward does not need its output, so autograd allows it.
    if (T > 1 || Tk != in.startPos + T || windowBites(window, in.startPos, T, in.slotPositions))
        scores.masked_fill_(hiddenKeys(T, Tk, in.startPos, window, in.slotPositions, scores.device()),
                            -std::numeric_limits<float>::infinity());

    at::Tensor probs;
    switch (c.attention) {
    case AttentionKind::Softmax:
        probs = at::softmax(scores, -1);
        break;
    case AttentionKind::SinkLogit: {
        // softmax over [z, b] then drop b's column: rows sum to less than one. at::softmax
        // subtracts the row max including b, which is the numerically stable form.
        at::Tensor b = in.sinkLogits.defined() ? in.sinkLogits.to(scores.scalar_type())
                                               : at::full({nH}, c.sinkLogit, scores.options());
        at::Tensor ext = at::cat({scores, b.view({1, nH, 1, 1}).expand({B, nH, T, 1})}, -1);
        probs = at::softmax(ext, -1).narrow(-1, 0, Tk);
        break;
    }
    case AttentionKind::Sigmoid:
        probs = at::sigmoid(scores + c.sigmoidBias);
        break;
    }
    return {scores, probs};
}

} // namespace

at::Tensor attend(const ModelConfig& c, const AttentionInputs& in, ForwardObserver* observer) {
    const std::int64_t B = in.q.size(0), nH = c.nHeads, nKv = c.nKvHeads, G = c.groupSize();
    const std::int64_t T = in.q.size(2), hd = in.q.size(3), Tk = in.k.size(2);
    if (B != 1) observer = nullptr;
    InterventionState* iv =
        B == 1 && in.interventions && in.interventions->touchesLayer(in.layer) ? in.interventions : nullptr;

    // Whole-prompt softmax attention on the CPU takes fused kernels that compute only the causal
    // triangle: inference passes (with or without attention capture) the one that hands each head's
    // probabilities to the observer straight from its tile loop, training the one with a backward.
    // Scores capture and interventions use the same kernels in two steps (probabilities, then the
    // weighted sum), so that heads they leave alone come out exactly as in an unmodified pass.
    // Sigmoid weights take the training kernel too, but only under autograd (its backward is the
    // gain): in inference they keep the one general path, so captured and uncaptured passes agree
    // to the bit. Cached steps and the other weightings take the general path in ATen ops.
    const bool sigmoid = c.attention == AttentionKind::Sigmoid;
    const bool fusable = c.attention == AttentionKind::Softmax || (sigmoid && at::GradMode::is_enabled());
    // The kernels see plain causal softmax: soft-capped scores and windows that hide keys from
    // some query take the general path.
    const bool plainScores =
        c.attnSoftcap <= 0 && !windowBites(c.windowOf(in.layer), in.startPos, T, in.slotPositions);
    const bool wholePrompt = fusable && plainScores && in.startPos == 0 && Tk == T && T > 1 &&
                             !in.slotPositions && in.q.device().is_cpu() && in.q.scalar_type() == at::kFloat;
    const bool kernels = wholePrompt && !sigmoid && inferenceAttentionApplies(in.q, in.k, in.v);
    const bool scoresWanted = wantsAnyScores(observer, in.layer, static_cast<int>(nH));
    // The kernels scale by 1/sqrt(head_dim); a model with its own scale (Gemma's
    // query_pre_attn_scalar) hands them queries pre-multiplied by the ratio.
    const double plainScale = 1.0 / std::sqrt(static_cast<double>(hd));
    const at::Tensor kq = c.scoreScale() == plainScale ? in.q : in.q * (c.scoreScale() / plainScale);
    if (kernels && !iv && !scoresWanted) return causalAttentionInference(kq, in.k, in.v, in.layer, observer);
    if (wholePrompt && !kernels && !iv && !observer)
        return fusedCausalAttention(in.q * c.scoreScale(), in.k, in.v,
                                    sigmoid ? std::optional<float>(c.sigmoidBias) : std::nullopt);

    at::Tensor scores, probs;
    if (kernels)
        probs = causalProbabilities(kq, in.k,
                                    scoresWanted || (iv && iv->needsScores(in.layer)) ? &scores : nullptr);
    else
        std::tie(scores, probs) = generalProbabilities(c, in);

    if (observer) {
        for (int h = 0; h < nH; ++h) {
            if (!observer->wantsScores(in.layer, h)) continue;
            at::Tensor keep;
            observer->onScores(in.layer, h, headView(scores, h, in.startPos, c.windowOf(in.layer), keep));
        }
    }

    if (iv) {
        // The operators work on CPU memory; off the CPU this round-trips the layer's weights.
        at::Tensor host = probs.to(at::kCPU, at::kFloat).contiguous();
        applyInterventions(*iv, in.layer, scores.defined() ? scores.to(at::kCPU, at::kFloat) : scores, host,
                           in.startPos, in.slotPositions, c.windowOf(in.layer));
        probs = host.to(probs.device(), probs.scalar_type());
    }

    if (observer) {
        // After eviction, observers still get rows over token positions: evicted keys read 0.
        at::Tensor shown = probs;
        std::int64_t firstRow = in.startPos;
        if (in.slotPositions) {
            const auto& pos = *in.slotPositions;
            at::Tensor index = at::tensor(std::vector<std::int64_t>(pos.begin(), pos.begin() + Tk),
                                          at::TensorOptions().dtype(at::kLong).device(probs.device()));
            shown = at::zeros({B, nH, T, pos[static_cast<std::size_t>(Tk - 1)] + 1}, probs.options())
                        .index_copy_(3, index, probs);
            firstRow = pos[static_cast<std::size_t>(in.startPos)];
        }
        for (int h = 0; h < nH; ++h) {
            if (!observer->wantsAttention(in.layer, h)) continue;
            at::Tensor keep;
            observer->onAttention(in.layer, h, headView(shown, h, firstRow, c.windowOf(in.layer), keep));
        }
    }

    if (kernels) return causalWeightedSum(probs, in.v);
    at::Tensor out = at::matmul(probs.reshape({B, nKv, G * T, Tk}), in.v);
    return out.view({B, nH, T, hd});
}

} // namespace sinkscope::detail

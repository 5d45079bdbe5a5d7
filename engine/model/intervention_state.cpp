#include "model/intervention_state.h"

#include "intervene/operators.h"
#include "metrics/span_heads.h"
#include "metrics/visual_sinks.h"

#include <fmt/format.h>

#include <algorithm>

namespace sinkscope::detail {

namespace {

bool attentionLevel(const Intervention& iv) {
    return iv.kind != InterventionKind::Stream;
}

// Token positions -> key slots of this pass (positions not in the cache are dropped).
std::vector<std::int64_t> toSlots(const std::vector<std::int64_t>& positions, std::int64_t Tk,
                                  const std::vector<std::int64_t>* slotPositions) {
    std::vector<std::int64_t> out;
    for (std::int64_t p : positions) {
        if (!slotPositions) {
            if (p < Tk) out.push_back(p);
            continue;
        }
        auto it = std::lower_bound(slotPositions->begin(), slotPositions->end(), p);
        if (it != slotPositions->end() && *it == p) out.push_back(it - slotPositions->begin());
    }
    return out;
}

} // namespace

bool InterventionState::touchesLayer(int layer) const {
    return std::any_of(list.begin(), list.end(), [&](const Intervention& iv) {
        return attentionLevel(iv) && iv.layers.contains(layer);
    });
}

int InterventionState::firstLayer(int nLayers) const {
    for (int l = 0; l < nLayers; ++l)
        if (touchesLayer(l)) return l;
    return nLayers;
}

bool InterventionState::needsScores(int layer) const {
    return std::any_of(list.begin(), list.end(), [&](const Intervention& iv) {
        return iv.kind == InterventionKind::SinkLogit && iv.layers.contains(layer);
    });
}

const Intervention* InterventionState::stream() const {
    for (const auto& iv : list)
        if (iv.kind == InterventionKind::Stream) return &iv;
    return nullptr;
}

bool InterventionState::needsSecondarySinks() const {
    return std::any_of(list.begin(), list.end(), [](const Intervention& iv) {
        return attentionLevel(iv) && iv.kind != InterventionKind::SinkLogit &&
               iv.sinks.kind == SinkSetKind::Secondary;
    });
}

bool InterventionState::needsVisualSinks() const {
    return std::any_of(list.begin(), list.end(), [](const Intervention& iv) {
        return attentionLevel(iv) && iv.kind != InterventionKind::SinkLogit &&
               iv.sinks.kind == SinkSetKind::Visual;
    });
}

bool InterventionState::needsImage() const {
    return needsVisualSinks() || std::any_of(list.begin(), list.end(), [](const Intervention& iv) {
               return iv.kind == InterventionKind::Redistribute && iv.imageTarget;
           });
}

Status InterventionState::resolveImage(const std::vector<std::int64_t>* imagePositions, int nLayers,
                                       const std::function<const HiddenStates&()>& unmodifiedStates) {
    if (!needsImage()) return okStatus();
    if (!imagePositions || imagePositions->empty()) {
        for (const auto& iv : list)
            if ((iv.kind == InterventionKind::Redistribute && iv.imageTarget) ||
                iv.sinks.kind == SinkSetKind::Visual)
                return Error{
                    fmt::format("intervention \"{}\": the prompt holds no image (it works on the image "
                                "tokens of a LLaVA model's prompt: --image)",
                                iv.spec.empty() ? describeIntervention(iv) : iv.spec)};
    }
    // One image block: its tokens are consecutive (image_input.h puts them so).
    const std::int64_t first = imagePositions->front(), last = imagePositions->back();
    for (auto& iv : list)
        if (iv.kind == InterventionKind::Redistribute && iv.imageTarget) iv.target = TokenSpan{first, last};
    if (!needsVisualSinks()) return okStatus();
    const HiddenStates& h = unmodifiedStates();
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].sinks.kind != SinkSetKind::Visual) continue;
        auto sets = sinkscope::visualSinks(h, first, last, list[i].sinks.tau).layers;
        sets.resize(static_cast<std::size_t>(nLayers), std::vector<std::int64_t>{0});
        visualSinks[i] = std::move(sets);
    }
    return okStatus();
}

void applyInterventions(InterventionState& st, int layer, const at::Tensor& scores, at::Tensor& probs,
                        std::int64_t startPos, const std::vector<std::int64_t>* slotPositions, int window) {
    const std::int64_t nH = probs.size(1), T = probs.size(2), Tk = probs.size(3);
    float* base = probs.data_ptr<float>();
    // Sinks are only detected on the prompt pass, where slots are positions: the window applies as is.
    auto head = [&](int h) { return MutableMatrixView{base + h * T * Tk, T, Tk, Tk, startPos, window}; };

    // Logit level first: it replaces the softmax itself, so it cannot come after a reweighting.
    for (const auto& iv : st.list) {
        if (iv.kind != InterventionKind::SinkLogit || !iv.layers.contains(layer)) continue;
        const at::Tensor z = scores.contiguous();
        for (int h = 0; h < nH; ++h)
            if (iv.heads.contains(h))
                sinkLogitSoftmax(MatrixView{z.data_ptr<float>() + h * T * Tk, T, Tk, Tk, startPos},
                                 iv.sinkLogit, head(h));
    }

    // A pass over the prompt from position 0 sees whole columns: the only place sinks are detected.
    const bool promptPass = startPos == 0 && T == Tk && !slotPositions;
    for (std::size_t i = 0; i < st.list.size(); ++i) {
        const auto& iv = st.list[i];
        if (!attentionLevel(iv) || iv.kind == InterventionKind::SinkLogit || !iv.layers.contains(layer))
            continue;
        for (int h = 0; h < nH; ++h) {
            if (!iv.heads.contains(h)) continue;
            const MutableMatrixView a = head(h);
            std::vector<std::int64_t> sinks;
            switch (iv.sinks.kind) {
            case SinkSetKind::First:
                sinks = toSlots({0}, Tk, slotPositions);
                break;
            case SinkSetKind::Explicit:
                sinks = toSlots(iv.sinks.positions, Tk, slotPositions);
                break;
            case SinkSetKind::Secondary:
                sinks = toSlots(st.secondarySinks, Tk, slotPositions);
                break;
            case SinkSetKind::Visual: {
                auto it = st.visualSinks.find(i);
                if (it != st.visualSinks.end() && static_cast<std::size_t>(layer) < it->second.size())
                    sinks = toSlots(it->second[static_cast<std::size_t>(layer)], Tk, slotPositions);
                break;
            }
            case SinkSetKind::Auto: {
                const auto key = std::make_tuple(i, layer, h);
                if (promptPass)
                    st.detected[key] =
                        detectSinkColumns(a.view(), iv.sinks.threshold, iv.sinks.skipFirstDetected);
                auto it = st.detected.find(key);
                if (it != st.detected.end()) sinks = toSlots(it->second, Tk, slotPositions);
                break;
            }
            }
            if (sinks.empty()) continue;
            if (iv.spanHeads) {
                const auto key = std::make_tuple(i, layer, h);
                if (promptPass)
                    st.spanHead[key] =
                        spanHeadScore(a.view(), iv.target.first, iv.target.last, sinks).selected;
                if (!st.spanHead[key]) continue;
            }
            switch (iv.kind) {
            case InterventionKind::ScaleRenormalize:
                scaleRenormalize(a, sinks, iv.gamma);
                break;
            case InterventionKind::FixedFraction:
                fixedFraction(a, sinks, iv.beta);
                break;
            case InterventionKind::Redistribute: {
                // The target span is given in token positions; in slot space it is the slots
                // whose positions fall inside it, which stay contiguous under eviction.
                TokenSpan t = iv.target;
                if (slotPositions) {
                    auto lo = std::lower_bound(slotPositions->begin(), slotPositions->end(), t.first);
                    auto hi = std::upper_bound(slotPositions->begin(), slotPositions->end(), t.last);
                    t = TokenSpan{lo - slotPositions->begin(), (hi - slotPositions->begin()) - 1};
                }
                redistribute(a, sinks, iv.fraction, t);
                break;
            }
            default:
                break;
            }
        }
    }
}

} // namespace sinkscope::detail

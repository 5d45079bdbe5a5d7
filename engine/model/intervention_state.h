#pragma once
// The interventions of one run and what the run learns while applying them: sink columns that
// are detected on the prompt pass are kept (as token positions) for the generated tokens, whose
// single-row passes cannot detect anything. Private to the engine (ATen in the signatures).
#include "core/result.h"
#include "intervene/intervention.h"
#include "metrics/secondary_sinks.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

namespace sinkscope::detail {

struct InterventionState {
    std::vector<Intervention> list;
    std::vector<std::int64_t> secondarySinks; // resolved before the run (SinkSetKind::Secondary)
    std::map<std::tuple<std::size_t, int, int>, std::vector<std::int64_t>> detected;
    std::map<std::tuple<std::size_t, int, int>, bool> spanHead; // heads=span, decided on the prompt pass
    // SinkSetKind::Visual, resolved before the run: per intervention (index in list), per layer.
    std::map<std::size_t, std::vector<std::vector<std::int64_t>>> visualSinks;

    // Whether an attention-level intervention (everything but Stream) selects this layer.
    bool touchesLayer(int layer) const;
    // The lowest such layer; nLayers when there is none.
    int firstLayer(int nLayers) const;
    const Intervention* stream() const;
    // Whether a logit-level intervention (SinkLogit), which reads the pre-softmax scores, selects this layer.
    bool needsScores(int layer) const;
    bool needsSecondarySinks() const;
    // Whether an intervention needs the prompt's image: sinks=visual or to=image (var).
    bool needsImage() const;
    bool needsVisualSinks() const;
    // Sets the image targets to the image tokens and the visual sink sets from the unmodified run's
    // states (asked for only when needed). `imagePositions`: the prompt's image tokens, ascending
    // (null or empty: no image, an error naming the intervention that needs one).
    Status resolveImage(const std::vector<std::int64_t>* imagePositions, int nLayers,
                        const std::function<const HiddenStates&()>& unmodifiedStates);
};

// Applies the attention-level interventions selecting `layer`, in place, to probs [1, nH, T, Tk]
// (CPU float, contiguous). Logit-level ones (SinkLogit) recompute their heads from `scores`
// first, then the post-softmax operators run in list order. `slotPositions` (may be null: slot =
// position) maps key slots to token positions when a streaming cache has evicted some. `window`:
// the layer's sliding window (0: none), so that sinks are detected over the rows that see each key.
void applyInterventions(InterventionState& state, int layer, const at::Tensor& scores, at::Tensor& probs,
                        std::int64_t startPos, const std::vector<std::int64_t>* slotPositions, int window);

} // namespace sinkscope::detail

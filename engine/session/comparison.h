#pragma once
// The same prompt with and without interventions, greedy on both sides, and what changed: the
// next-token effect (KL, top-k, where the base top-1 went), the two generations and where they
// first differ, α₀ of every head on each side, and the notes that explain a surprising result.
// `sinkscope-cli compare` prints it; the desktop app's output panel shows the generations
// (generatePair) beside the effect of its prepared prompt. Torch-free.
#include "core/result.h"
#include "intervene/intervention.h"
#include "metrics/output_effect.h"
#include "model/image_input.h"
#include "model/model.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

enum class CompareSide { Base, Intervened };
const char* compareSideName(CompareSide side); // "base" or "intervened"

// Per generated token of either side; returning false stops that generation where it is.
using CompareProgress = std::function<bool(CompareSide side, int done, int total)>;

// Both greedy generations: the base (no interventions) and the intervened one. Greedy, so that a
// divergence comes from the interventions, not from sampling. Without interventions and without an
// observer for the intervened side, the base generation is reused rather than run twice.
struct GenerationPair {
    GenerationOutput base, intervened;
    std::optional<std::size_t> firstDivergence; // first generated index where the two differ
};
Result<GenerationPair>
generatePair(const Model& model, const std::vector<std::int32_t>& ids, const Interventions& interventions,
             int maxNewTokens, const CompareProgress& progress = {}, ForwardObserver* baseObserver = nullptr,
             ForwardObserver* intervenedObserver = nullptr, const ImageEmbeddings* image = nullptr);

// A generation split at the first divergence: the shared start, then each side's rest (decoded).
struct DivergenceText {
    std::string common, baseRest, intervenedRest;
};
DivergenceText splitAtDivergence(const Model& model, const GenerationPair& pair);

struct Comparison {
    GenerationPair generations;
    std::vector<std::vector<double>> baseAlpha0, intervenedAlpha0; // [layer][head], over the prompt
    NextTokenEffect effect;                                        // after the prompt
    std::vector<std::string> notes;                                // interventionNotes
};
// The caller has checked the interventions against the model and the prompt (Model::checkInterventions).
Result<Comparison> compareRun(const Model& model, const std::vector<std::int32_t>& ids,
                              const Interventions& interventions, int maxNewTokens, int topK,
                              const CompareProgress& progress = {}, const ImageEmbeddings* image = nullptr);

} // namespace sinkscope

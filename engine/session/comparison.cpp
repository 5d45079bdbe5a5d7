#include "session/comparison.h"

#include "intervene/intervention_notes.h"
#include "session/capture.h"
#include "session/prompt_input.h"

#include <algorithm>

namespace sinkscope {

const char* compareSideName(CompareSide side) {
    return side == CompareSide::Base ? "base" : "intervened";
}

Result<GenerationPair> generatePair(const Model& model, const std::vector<std::int32_t>& ids,
                                    const Interventions& interventions, int maxNewTokens,
                                    const CompareProgress& progress, ForwardObserver* baseObserver,
                                    ForwardObserver* intervenedObserver, const ImageEmbeddings* image) {
    GenerationOptions g;
    g.maxNewTokens = maxNewTokens;
    auto sideProgress = [&progress](CompareSide side) -> ProgressCallback {
        if (!progress) return {};
        return [&progress, side](int done, int total) { return progress(side, done, total); };
    };
    auto base = generatePrompt(model, ids, image, g, baseObserver, sideProgress(CompareSide::Base));
    if (!base) return base.error();
    GenerationPair pair;
    if (interventions.empty() && !intervenedObserver) {
        pair.intervened = base.value();
    } else {
        auto after = generatePrompt(model, ids, image, g, intervenedObserver,
                                    sideProgress(CompareSide::Intervened), interventions);
        if (!after) return after.error();
        pair.intervened = std::move(after.value());
    }
    pair.base = std::move(base.value());
    pair.firstDivergence = firstDivergence(pair.base.generated, pair.intervened.generated);
    return pair;
}

DivergenceText splitAtDivergence(const Model& model, const GenerationPair& pair) {
    DivergenceText out;
    if (!pair.firstDivergence) return out;
    const auto d = *pair.firstDivergence;
    const auto part = [&](const std::vector<std::int32_t>& g, std::size_t from, std::size_t to) {
        return decodeIds(model,
                         std::vector<std::int32_t>(g.begin() + std::ptrdiff_t(std::min(from, g.size())),
                                                   g.begin() + std::ptrdiff_t(std::min(to, g.size()))),
                         ", ");
    };
    out.common = part(pair.base.generated, 0, d);
    out.baseRest = part(pair.base.generated, d, pair.base.generated.size());
    out.intervenedRest = part(pair.intervened.generated, d, pair.intervened.generated.size());
    return out;
}

Result<Comparison> compareRun(const Model& model, const std::vector<std::int32_t>& ids,
                              const Interventions& interventions, int maxNewTokens, int topK,
                              const CompareProgress& progress, const ImageEmbeddings* image) {
    const auto& c = model.config();
    const auto T = static_cast<std::int64_t>(ids.size());
    // α₀ over the prompt's rows only: generated steps are not part of the prompt's measure.
    ColumnImportanceObserver baseAlpha(c.nLayers, c.nHeads, T), afterAlpha(c.nLayers, c.nHeads, T);
    auto pair =
        generatePair(model, ids, interventions, maxNewTokens, progress, &baseAlpha, &afterAlpha, image);
    if (!pair) return pair.error();
    Comparison out;
    out.generations = std::move(pair.value());
    out.baseAlpha0 = baseAlpha.alpha0();
    out.intervenedAlpha0 = afterAlpha.alpha0();
    const auto V = static_cast<std::int64_t>(out.generations.base.nextTokenLogits.size());
    out.effect = nextTokenEffect(out.generations.base.nextTokenLogits.data(),
                                 out.generations.intervened.nextTokenLogits.data(), V, topK);
    out.notes = interventionNotes(interventions, T, maxNewTokens);
    return out;
}

} // namespace sinkscope

#include "intervene/intervention.h"

#include "core/excerpt.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace sinkscope {

bool IndexSet::contains(int i) const {
    // A linear scan: sets built in code need not be sorted, and they hold a few heads at most.
    return all() || std::find(values.begin(), values.end(), i) != values.end();
}

namespace {

std::string modelHas(int n, std::string_view noun) {
    if (n <= 0) return fmt::format("the model has no {}s", noun);
    if (n == 1) return fmt::format("the model has 1 {}, 0", noun);
    return fmt::format("the model has {} {}s, 0-{}", n, noun, n - 1);
}

Status checkIndices(const IndexSet& set, int n, std::string_view noun, const std::string& name) {
    for (int v : set.values)
        if (v < 0 || v >= n)
            return Error{fmt::format("intervention \"{}\": {} {} is out of range ({})", name, noun, v,
                                     modelHas(n, noun))};
    return okStatus();
}

// The parameter ranges the parser enforces, in words; empty when they hold.
std::string parameterProblem(const Intervention& iv) {
    auto unit = [](double v) { return v >= 0.0 && v <= 1.0; }; // false for NaN
    switch (iv.kind) {
    case InterventionKind::ScaleRenormalize:
        if (!(iv.gamma >= 0.0) || !std::isfinite(iv.gamma))
            return fmt::format("gamma must be a finite number >= 0 (got {})", iv.gamma);
        break;
    case InterventionKind::FixedFraction:
        if (!unit(iv.beta)) return fmt::format("beta must be in [0, 1] (got {})", iv.beta);
        break;
    case InterventionKind::Redistribute:
        if (!unit(iv.fraction)) return fmt::format("p must be in [0, 1] (got {})", iv.fraction);
        // to=image is set when the run starts, from the prompt's image tokens.
        if (!iv.imageTarget && (iv.target.empty() || iv.target.first < 0))
            return fmt::format("the target span {}-{} is empty or negative", iv.target.first, iv.target.last);
        break;
    case InterventionKind::SinkLogit:
        if (std::isnan(iv.sinkLogit) || iv.sinkLogit == std::numeric_limits<double>::infinity())
            return fmt::format("the sink logit b must be finite or -inf (got {})", iv.sinkLogit);
        return {}; // acts on logits: the sink set does not apply
    case InterventionKind::Stream:
        if (iv.streamSinks < 0)
            return fmt::format("the stream sink count must be >= 0 (got {})", iv.streamSinks);
        if (iv.streamWindow < 1)
            return fmt::format("the stream window must be >= 1 (got {})", iv.streamWindow);
        return {};
    }
    if (iv.sinks.kind == SinkSetKind::Auto && !(iv.sinks.threshold > 0.0 && iv.sinks.threshold < 1.0))
        return fmt::format("the auto-sink threshold must be in (0, 1) (got {})", iv.sinks.threshold);
    if (iv.sinks.kind == SinkSetKind::Explicit)
        for (auto p : iv.sinks.positions)
            if (p < 0) return fmt::format("sink position {} is negative", p);
    return {};
}

} // namespace

Status validateIntervention(const Intervention& iv, int nLayers, int nHeads) {
    // Interventions built in code have no spec text: name them by what they do.
    const std::string name = iv.spec.empty() ? describeIntervention(iv) : excerpt(iv.spec);
    if (auto problem = parameterProblem(iv); !problem.empty())
        return Error{fmt::format("intervention \"{}\": {}", name, problem)};
    if (iv.kind == InterventionKind::Stream) return okStatus(); // a cache policy for the whole model
    if (auto st = checkIndices(iv.layers, nLayers, "layer", name); !st) return st;
    return checkIndices(iv.heads, nHeads, "head", name);
}

Status checkInterventionPositions(const Intervention& iv, std::int64_t tokens) {
    const std::string name = iv.spec.empty() ? describeIntervention(iv) : iv.spec;
    const auto outside = [&](const std::string& what) -> Status {
        return Error{fmt::format("intervention \"{}\": {} outside the prompt ({} token{}, positions 0-{})",
                                 name, what, tokens, tokens == 1 ? "" : "s", tokens - 1)};
    };
    if (iv.kind == InterventionKind::Stream || iv.kind == InterventionKind::SinkLogit) return okStatus();
    if (iv.sinks.kind == SinkSetKind::Explicit)
        for (auto p : iv.sinks.positions)
            if (p >= tokens) return outside(fmt::format("sink position {} is", p));
    if (iv.kind == InterventionKind::Redistribute && iv.target.last >= tokens)
        return outside(fmt::format("the target span {}-{} reaches", iv.target.first, iv.target.last));
    return okStatus();
}

} // namespace sinkscope

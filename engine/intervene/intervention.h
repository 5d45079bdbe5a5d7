#pragma once
// Intervention: one sink intervention as the user specified it (CLI `--intervention SPEC`, GUI
// toggles). Plain data, no global state: a forward pass receives the list it should apply, in
// order (composition = application order within each selected head). Formulas: docs/methods.md.
#include "core/result.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// Layers or heads an intervention applies to; empty = all.
struct IndexSet {
    std::vector<int> values; // sorted, unique

    bool all() const { return values.empty(); }
    bool contains(int i) const;
};

// Which key columns count as sinks.
enum class SinkSetKind {
    First,     // token 0
    Explicit,  // the given positions (those a row cannot see are ignored for that row)
    Auto,      // per (layer, head): columns with alpha[j] > threshold on the prompt pass
    Secondary, // primary and secondary sinks by the cosine-to-BOS rule on the unmodified run
    Visual,    // LLaVA prompts (VAR): token 0 and, per layer, the image tokens whose state entering the
               // layer has phi >= tau in the sink dimensions, all on the unmodified run
};

struct SinkSet {
    SinkSetKind kind = SinkSetKind::First;
    std::vector<std::int64_t> positions; // Explicit: sorted, unique
    double threshold = 0.1;              // Auto: alpha threshold
    double tau = 0.0;                    // Visual: the phi threshold; 0 = the sink-dimension default
    bool skipFirstDetected = false;      // Auto: drop the lowest detected column (ACT's convention)
};

// An inclusive range of token positions.
struct TokenSpan {
    std::int64_t first = 0;
    std::int64_t last = -1;
    bool empty() const { return last < first; }
};

enum class InterventionKind {
    ScaleRenormalize, // ZeroTuning: sink columns x gamma, rows renormalised; gamma = 0 is suppression
    FixedFraction,    // ACT: sink entries x beta, freed mass to the other tokens in proportion
    Redistribute,     // VAR: a fraction p of the sink mass to a chosen span only
    SinkLogit,        // softmax with an extra logit b per row (logit level)
    Stream,           // StreamingLLM KV cache: n sinks + a window of recent tokens
};

struct Intervention {
    InterventionKind kind = InterventionKind::ScaleRenormalize;
    IndexSet layers, heads;
    SinkSet sinks;

    double gamma = 0.0;        // ScaleRenormalize
    double beta = 0.4;         // FixedFraction
    double fraction = 0.6;     // Redistribute: p
    TokenSpan target;          // Redistribute: the span that receives the freed mass
    double sinkLogit = 0.0;    // SinkLogit: b; -infinity is plain softmax
    int streamSinks = 4;       // Stream
    int streamWindow = 512;    // Stream
    bool positionShift = true; // Stream: RoPE positions re-assigned within the cache (the paper's
                               // "pos shift"); false: original positions

    bool spanHeads = false;   // Redistribute with heads=span: only the span-centric heads of `target`
                              // (decided per layer on the prompt pass), within `heads`
    bool imageTarget = false; // Redistribute: `target` is the prompt's image tokens, set when the run
                              // starts (to=image, and the var preset)

    std::string spec; // the text it was parsed from, for messages and output

    bool appliesTo(int layer, int head) const { return layers.contains(layer) && heads.contains(head); }
};

// Parses one SPEC (grammar: README "Interventions"). Errors quote the spec and point at the bad
// part: `intervention "zerotune:gama=4": at "gama=4": unknown key "gama" (zerotune takes ...)`.
Result<Intervention> parseIntervention(std::string_view spec);

// Checks what the parser cannot know (layer and head indices against the model) and the parameter
// ranges, so interventions built in code (GUI toggles) get the parser's guarantees. Errors quote the
// spec: `intervention "suppress:layers=7": layer 7 is out of range (the model has 6 layers, 0-5)`.
Status validateIntervention(const Intervention& iv, int nLayers, int nHeads);

// Checks the token positions an intervention names against a prompt of `tokens` tokens: explicit
// sink positions and a redistribution span outside the prompt would silently do nothing, so they
// are errors: `intervention "suppress:sinks=999": sink position 999 is outside the prompt (7 tokens,
// positions 0-6)`.
Status checkInterventionPositions(const Intervention& iv, std::int64_t tokens);

// A one-line human description, e.g. "ZeroTuning gamma 4 on sinks {0}, layers 2-5, all heads".
std::string describeIntervention(const Intervention& iv);

} // namespace sinkscope

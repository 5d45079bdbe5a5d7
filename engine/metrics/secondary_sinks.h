#pragma once
// Secondary attention sinks from hidden-state geometry, the rule of Wong et al. (docs/methods.md,
// "Secondary sinks"): tokens whose residual stream points along the BOS sink's direction.
#include <cstdint>
#include <string_view>
#include <vector>

namespace sinkscope {

// Hidden states of one prompt: states[l] is row-major [T, D] for l = 0..L (L+1 states: state l enters
// layer l; state L leaves the last layer). Token 0 is the BOS/first token.
struct HiddenStates {
    std::int64_t tokens = 0, dim = 0;
    std::vector<std::vector<float>> states;
};

struct SecondarySinkOptions {
    double cosine = 0.9; // |cos(h_l[t], h_l[0])| must exceed this
    int minLayers = 4;   // a sink for more layers than this is not transient
    int primaryMargin = 15;
};

enum class SinkRole { Primary, Secondary, Transient };

struct SinkTokenRow {
    std::int64_t token = 0;
    int firstLayer = 0; // first checked state in which the token is a sink
    int layers = 0;     // number of checked states in which it is a sink
    SinkRole role = SinkRole::Transient;
};

// The checked states are firstCheckedState..lastCheckedState inclusive; an empty range (nothing could
// be checked: no states, no tokens, or a state whose size is not tokens * dim) is 0..-1 with no rows.
struct SecondarySinkTable {
    int firstCheckedState = 0, lastCheckedState = 0;
    std::vector<SinkTokenRow> rows;
};

// Token t (t > 0) is a sink in state l when |cos(h_l[t], h_l[0])| > cosine, checked only for states
// between the largest jump in the BOS (token 0) norm and the largest drop after it: from the state
// right after the jump through the last state before the drop (if there is no drop after the jump,
// through the last state). Rows for every token that is a sink in >= 1 checked state, ascending by
// token: role Primary when layers >= max(L - primaryMargin, minLayers + 1) (L = number of layers =
// states - 1), Secondary when minLayers < layers < that, else Transient. Zero-norm vectors are never
// sinks.
SecondarySinkTable secondarySinks(const HiddenStates& h, const SecondarySinkOptions& o = {});

std::string_view sinkRoleName(SinkRole r);

// The sink set `sinks=secondary` stands for: token 0 plus every token the table calls primary or
// secondary, ascending.
std::vector<std::int64_t>
sinkTokenSet(const SecondarySinkTable& table); // "primary", "secondary", "transient"

} // namespace sinkscope

#pragma once
// The metrics a trace file keeps with each run (run_data.metrics_json), typed: one encoder that
// the trace writer uses and one decoder that every reader (desktop app, CLI export) uses, so that
// the JSON keys are spelled in one place. The JSON is that of every trace file written so far:
//   {"alpha0": [[...], ...], "kl_from_base": 0.12, "sink_rate_0.3": 25.0}
// (kl_from_base only for an intervened run stored beside its base).
#include "core/result.h"
#include "metrics/method_defaults.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

struct RunMetrics {
    std::vector<std::vector<double>> alpha0; // [layer][head], the prompt pass
    double sinkRate = 0;                     // Sink_1^eps over the run's heads, percent
    double eps = kSinkEpsilon;               // the threshold of sinkRate; its key names it
    std::optional<double> klFromBase;        // KL(base || this run) of the next-token distribution
};

// The key of Sink_1^eps: "sink_rate_0.3" for eps = 0.3 (the shortest decimal that reads back as eps).
std::string sinkRateKey(double eps);

// Compact JSON with the keys in the order above (byte for byte what trace files have always held).
std::string encodeRunMetrics(const RunMetrics& metrics);

// Every field checked: the JSON must be an object whose alpha0 is a layers x heads table of
// numbers, whose sink_rate_<eps> is a number and whose kl_from_base, when present, is a number.
// The first field that is not gives one error naming it, e.g.
// "run metrics: alpha0 is not a 2 x 4 table of numbers".
Result<RunMetrics> decodeRunMetrics(std::string_view json, int layers, int heads, double eps = kSinkEpsilon);

// For display: a trace file can come from anywhere, so each field that is missing or malformed
// reads as absent on its own (an empty alpha0, sinkRate 0, no klFromBase) and the others still count.
RunMetrics readRunMetrics(std::string_view json, int layers, int heads, double eps = kSinkEpsilon);

} // namespace sinkscope

#pragma once
// Turns a training run's latest checkpoint into a model directory to ship: weights in a compact
// dtype, the tokenizer, the recipe and timeline, and sink_probe.json — the probe sequences and
// the Sink^0.3 / alpha_0 figures measured on the exported weights through the ordinary loader,
// so that anyone can check them (a test does).
#include "core/result.h"
#include "io/dtype.h"
#include "metrics/method_defaults.h"
#include "session/probe_sinks.h"

#include <string>

namespace sinkscope {

struct ExportSummary {
    SinkProbeResult probe;
    std::int64_t step = 0, tokens = 0;
};

Result<ExportSummary> exportRun(const std::string& runDir, const std::string& outDir, DType dtype);

// Reads sink_probe.json of an exported model: the sequences and the recorded figures.
struct RecordedProbe {
    std::vector<std::vector<std::int32_t>> sequences;
    double eps = kSinkEpsilon;
    SinkProbeResult recorded;
};
Result<RecordedProbe> readRecordedProbe(const std::string& modelDir);

} // namespace sinkscope

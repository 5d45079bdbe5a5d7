#pragma once
// `sinkscope-cli trace`: runs a prompt (as `run`; with interventions, base and intervened as
// `compare` does) and stores everything it captured in a trace file; prints the run id(s).
#include "model_input.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct TraceOptions {
    ModelInputOptions input;
    std::string db;
    int maxNewTokens = 0;
    float temperature = 0.0f;
    int topK = 0;
    float topP = 1.0f;
    std::uint64_t seed = 0;
    bool scores = false;
    bool onlyIntervened = false;
    std::string captureLayers = "all", captureHeads = "all";
    std::string label;
    bool json = false;
    bool dryRun = false;
};

CLI::App* addTraceCommand(CLI::App& app, TraceOptions& options);
int runTraceCommand(const TraceOptions& options);

} // namespace sinkscope::cli

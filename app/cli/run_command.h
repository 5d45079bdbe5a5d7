#pragma once
// `sinkscope-cli run`: one prompt through a model, with the next-token distribution, optional
// generation and the layer x head table of alpha_0 (mean attention on the first token), under
// optional interventions (same output, intervened run); or, with --explain-row, one query row of
// one head from its scores to its weights (explain_row.h).
#include "model_input.h"
#include "overlay_export.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct RunOptions {
    ModelInputOptions input;
    int maxNewTokens = 0;
    float temperature = 0.0f;
    int topK = 0;
    float topP = 1.0f;
    std::uint64_t seed = 0;
    bool json = false;
    std::string explainRow; // LAYER,HEAD,QUERY: explain that row instead (explain_row.h)
    OverlayOptions overlay; // --overlay-out: a query's attention over the picture (overlay_export.h)
};

CLI::App* addRunCommand(CLI::App& app, RunOptions& options);
int runRunCommand(const RunOptions& options);

} // namespace sinkscope::cli

#pragma once
// `sinkscope-cli metrics`: the sink metrics of one prompt or of many (one per line of a file):
// Sink_1^eps over all prompts, the layer x head map of alpha_0 with sink heads marked, row
// entropy, hidden-state norms per (layer, token), key/value norms per token and the
// secondary-sink table (cosine-to-BOS rule), sink dimensions (massive residual channels),
// catch-tag-release per head and, with --span, span-centric heads. Details are for the first prompt.
#include "metrics/method_defaults.h"
#include "model_input.h"

#include <CLI/CLI.hpp>
#include <string>

namespace sinkscope::cli {

struct MetricsOptions {
    ModelInputOptions input;
    std::string promptsFile;
    double eps = kSinkEpsilon;
    double tau = -1;            // < 0: min(20, sqrt(D)/2)
    double theta = kCatchTheta; // catch-tag-release: caught when A[i, sink] >= theta
    std::int64_t sink = 0;      // the sink token for catch-tag-release and the span ratio
    std::string span;           // "A-B": span-centric heads of this span
    std::string channelsOut;    // a figure of r_l[t, d] of one state of the first prompt (.png/.svg/.pdf)
    int state = 0;              // with channelsOut: the state l (0..L)
    bool json = false;
};

CLI::App* addMetricsCommand(CLI::App& app, MetricsOptions& options);
int runMetricsCommand(const MetricsOptions& options);

} // namespace sinkscope::cli

#pragma once
// `run --image F --overlay-out FIG`: the Picture panel's figure from the command line — one query
// token's attention over the picture's patches (a head, the mean of a layer, or the mean of the
// layer's image-centric heads) on the run (intervened when -i is given), the layer's visual sink
// tokens framed, written as PNG, SVG or PDF.
#include "model_input.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct OverlayOptions {
    std::string out;
    int layer = 0;
    std::string heads = "mean"; // a head index, "mean" or "image-centric"
    std::int64_t query = -1;    // -1: the last prompt token
};

void addOverlayOptions(CLI::App* cmd, OverlayOptions& o);
// Errors: no --image, a layer, head or query outside the model or the prompt, a bad file name.
Status writeOverlay(const ModelRun& run, const OverlayOptions& o);

} // namespace sinkscope::cli

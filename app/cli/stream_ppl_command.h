#pragma once
// `sinkscope-cli stream-ppl`: StreamingLLM's headline experiment. Perplexity of a text longer
// than the window, decoded through a cache of n sink tokens + a window of recent ones, for each
// requested n (0 = window only), beside the full cache.
#include "model_input.h"

#include <CLI/CLI.hpp>
#include <string>

namespace sinkscope::cli {

struct StreamPplOptions {
    ModelInputOptions input; // --model, --device, --bos
    std::string textFile;
    std::string tokenIdsFile;
    int window = 255;
    std::string sinks = "0,1,4";
    std::string positions = "shift";
    bool full = true;
    bool json = false;
};

CLI::App* addStreamPplCommand(CLI::App& app, StreamPplOptions& options);
int runStreamPplCommand(const StreamPplOptions& options);

} // namespace sinkscope::cli

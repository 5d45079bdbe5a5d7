#pragma once
// `sinkscope-cli compare`: the same prompt with and without interventions: next-token top-k and
// KL(base || intervened), the base top-1's new rank, generated texts and where they diverge,
// and alpha_0 before and after.
#include "model_input.h"

#include <CLI/CLI.hpp>

namespace sinkscope::cli {

struct CompareOptions {
    ModelInputOptions input;
    int maxNewTokens = 0;
    int topK = 10;
    bool json = false;
};

CLI::App* addCompareCommand(CLI::App& app, CompareOptions& options);
int runCompareCommand(const CompareOptions& options);

} // namespace sinkscope::cli

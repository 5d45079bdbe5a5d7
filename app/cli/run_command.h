#pragma once
// `sinkscope-cli run`: one prompt through a model, with the next-token distribution, optional
// generation and the layer x head table of alpha_0 (mean attention on the first token).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct RunOptions {
    std::string model;
    std::string prompt;
    std::string tokenIds;
    std::string bos = "auto";
    std::string device = "cpu";
    int maxNewTokens = 0;
    float temperature = 0.0f;
    int topK = 0;
    float topP = 1.0f;
    std::uint64_t seed = 0;
    bool json = false;
};

CLI::App* addRunCommand(CLI::App& app, RunOptions& options);
int runRunCommand(const RunOptions& options);

} // namespace sinkscope::cli

#pragma once
// `sinkscope-cli random-model`: writes a Hugging Face directory with random weights, for demos,
// benchmarks and trying the tool without any pretrained model.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct RandomModelOptions {
    std::string out;
    std::string family = "llama";
    int layers = 2, heads = 4, kvHeads = 2, dModel = 64, vocab = 256;
    std::uint64_t seed = 1;
};

CLI::App* addRandomModelCommand(CLI::App& app, RandomModelOptions& options);
int runRandomModelCommand(const RandomModelOptions& options);

} // namespace sinkscope::cli

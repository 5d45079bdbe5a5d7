#pragma once
// `sinkscope-cli train-vlm`: trains the demo vision-language model (a small vision tower and
// projector in front of a frozen language model) on procedural pictures, resumable like `train`;
// `--export OUT` writes the latest checkpoint as a model directory with sample pictures.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct TrainVlmOptions {
    std::string run;
    std::string lm;     // the language model a new run is attached to
    std::string recipe; // a VLM recipe JSON
    bool resume = false;
    std::int64_t totalSteps = 0;
    std::string exportTo;
    int pictures = 6; // sample pictures an export writes
};

CLI::App* addTrainVlmCommand(CLI::App& app, TrainVlmOptions& options);
int runTrainVlmCommand(const TrainVlmOptions& options);

} // namespace sinkscope::cli

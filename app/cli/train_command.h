#pragma once
// `sinkscope-cli train`: trains a Llama-style model on a text corpus (new run or --resume),
// printing progress and the sink timeline; Ctrl-C saves a checkpoint. `sinkscope-cli timeline`
// prints a run's timeline. `sinkscope-cli train-tokenizer` trains a byte-level BPE tokenizer.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct TrainOptions {
    std::string run;
    std::string recipe;
    std::string corpus;
    std::string tokenizer;
    int vocabSize = 4096;
    bool resume = false;
    std::int64_t totalSteps = 0;
    int threads = 0;
};

struct TimelineOptions {
    std::string run;
    bool json = false;
    std::int64_t step = -1; // with out: the checkpoint to draw (-1: the latest)
    std::string out;        // a figure of that checkpoint's alpha_0 map (.png, .svg, .pdf)
};

struct TokenizerTrainOptions {
    std::string input;
    std::string out;
    int vocabSize = 4096;
};

struct ExportModelOptions {
    std::string run;
    std::string out;
    std::string dtype = "bf16";
};

CLI::App* addExportModelCommand(CLI::App& app, ExportModelOptions& options);
int runExportModelCommand(const ExportModelOptions& options);
CLI::App* addTrainCommand(CLI::App& app, TrainOptions& options);
int runTrainCommand(const TrainOptions& options);
CLI::App* addTimelineCommand(CLI::App& app, TimelineOptions& options);
int runTimelineCommand(const TimelineOptions& options);
CLI::App* addTokenizerTrainCommand(CLI::App& app, TokenizerTrainOptions& options);
int runTokenizerTrainCommand(const TokenizerTrainOptions& options);

} // namespace sinkscope::cli

#pragma once
// `sinkscope-cli train`: trains a Llama-style model on a text corpus (new run or --resume),
// printing progress and the sink timeline (also into a trace file with --trace); Ctrl-C saves a
// checkpoint. `sinkscope-cli train-tokenizer` trains a byte-level BPE tokenizer.
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
    std::string trace;         // also record the timeline in this trace file
    std::string traceName;     // its name there (default: the run directory's name)
    std::string heldout;       // held-out text for the StreamingLLM ratio at checkpoints
    std::string lessonPrompts; // fixed prompts (one a line) for the suppression KL
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

// Ctrl-C / SIGTERM ask a training run to stop at the next step with a checkpoint; a second
// Ctrl-C ends at once. Shared by `train` and `train-vlm`.
void installTrainingStop();
bool trainingStopRequested();
std::string durationText(double seconds); // "3m05s", "2h10m"

CLI::App* addExportModelCommand(CLI::App& app, ExportModelOptions& options);
int runExportModelCommand(const ExportModelOptions& options);
CLI::App* addTrainCommand(CLI::App& app, TrainOptions& options);
int runTrainCommand(const TrainOptions& options);
CLI::App* addTokenizerTrainCommand(CLI::App& app, TokenizerTrainOptions& options);
int runTokenizerTrainCommand(const TokenizerTrainOptions& options);

} // namespace sinkscope::cli

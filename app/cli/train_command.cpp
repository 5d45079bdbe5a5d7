#include "train_command.h"

#include "cli_common.h"
#include "core/read_file.h"
#include "session/probe_sinks.h"
#include "timeline_command.h"
#include "trace/trace_store.h"
#include "train/bpe_trainer.h"
#include "train/export_run.h"
#include "train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

std::atomic<bool> g_stop{false};

void onStopSignal(int) {
    g_stop = true;
    std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends at once
}

} // namespace

void installTrainingStop() {
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
}

bool trainingStopRequested() {
    return g_stop.load();
}

std::string durationText(double s) {
    const auto t = static_cast<long>(s);
    return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60)
                     : fmt::format("{}m{:02}s", t / 60, t % 60);
}

namespace {

void printPoint(const TimelinePoint& p) {
    std::string lesson;
    if (p.streamPplWindow && p.streamPplSinks)
        lesson += fmt::format("  StreamingLLM ratio {:.3f} ({:.2f}/{:.2f})",
                              *p.streamPplWindow / *p.streamPplSinks, *p.streamPplWindow, *p.streamPplSinks);
    if (p.suppressionKl) lesson += fmt::format("  suppression KL {:.4f}", *p.suppressionKl);
    fmt::print(
        "checkpoint step {:>7}  tokens {:>11}  train {:.4f}  val {:.4f}  probe {:.4f}  Sink^0.3 {:5.1f} %  "
        "max alpha0 {:.3f}{}\n",
        p.step, p.tokens, p.trainLoss, p.valLoss, p.probeLoss, p.sinkRate, largestAlpha0(p.alpha0), lesson);
    std::fflush(stdout);
}

TrainCallbacks callbacks() {
    TrainCallbacks cb;
    cb.onMessage = [](const std::string& m) {
        fmt::print("{}\n", m);
        std::fflush(stdout);
    };
    cb.onProgress = [](const TrainProgress& p) {
        fmt::print("step {:>7}/{}  loss {:.4f}  lr {:.2e}  |g| {:.2f}  {:.0f} tok/s  ETA {}\n", p.step,
                   p.totalSteps, p.trainLoss, p.lr, p.gradNorm, p.tokensPerSecond,
                   durationText(p.etaSeconds));
        std::fflush(stdout);
    };
    cb.onCheckpoint = printPoint;
    cb.shouldStop = trainingStopRequested;
    return cb;
}

// --trace: each checkpoint's point also goes into a trace file as it is made. A failed write is
// reported and training goes on: timeline.json has the point, and `timeline --run DIR --trace
// FILE` stores it later.
Status recordInTrace(const TrainOptions& o, TrainCallbacks& cb) {
    auto opened = TraceStore::open(o.trace);
    if (!opened) return opened.error();
    std::shared_ptr<TraceStore> store = std::move(*opened);
    // Training does not stop for another program writing the file: a point that cannot be
    // stored within 10 s is reported and stays in timeline.json (see above).
    store->setWriteWait({std::chrono::seconds(10), {}});
    const auto name = o.traceName.empty() ? timelineNameOf(o.run) : o.traceName;
    if (o.resume) { // the points before this session, so that the trace has the whole timeline
        auto before = readTimeline(o.run);
        if (!before) return before.error();
        if (auto s = store->writeTimeline(name, *before); !s) return s;
    }
    fmt::print("recording the timeline in {} as '{}'\n", o.trace, name);
    cb.onCheckpoint = [store, name, run = o.run](const TimelinePoint& p) {
        printPoint(p);
        if (auto s = store->writeTimeline(name, {p}); !s)
            fmt::print(stderr, "warning: {} (training goes on; {}/timeline.json has step {})\n",
                       s.error().message, run, p.step);
    };
    return okStatus();
}

} // namespace

CLI::App* addTrainCommand(CLI::App& app, TrainOptions& o) {
    auto* cmd = app.add_subcommand("train",
                                   "Train a Llama-style model on a text corpus, recording the sink timeline");
    cmd->add_option("--run", o.run, "Run directory (checkpoints, timeline, encoded corpus)")->required();
    cmd->add_option("--recipe", o.recipe, "Training recipe JSON (architecture, optimiser, schedule)");
    cmd->add_option("--corpus", o.corpus, "Directory with train.txt and val.txt");
    cmd->add_option("--tokenizer", o.tokenizer,
                    "tokenizer.json or tokenizer.model (a BPE tokenizer is trained on the corpus if absent)");
    cmd->add_option("--vocab-size", o.vocabSize,
                    "Vocabulary of the tokenizer trained when --tokenizer is absent");
    cmd->add_flag("--resume", o.resume, "Continue the run from its latest checkpoint");
    cmd->add_option("--total-steps", o.totalSteps, "With --resume: extend the run to this many steps");
    cmd->add_option("--threads", o.threads, "CPU threads (0: the recipe's setting)")
        ->check(CLI::Range(0, 256));
    auto* heldout = cmd->add_option(
        "--heldout", o.heldout,
        "Held-out text: each checkpoint measures the StreamingLLM ratio on it (a run keeps the first "
        "one it is given)");
    cmd->add_option(
           "--lesson-prompts", o.lessonPrompts,
           "Prompts, one a line: each checkpoint measures the KL of suppressing the sink in all heads")
        ->needs(heldout);
    auto* trace = cmd->add_option("--trace", o.trace, "Also record the sink timeline in this trace file");
    cmd->add_option("--trace-name", o.traceName,
                    "The timeline's name in the trace (default: the run directory's name)")
        ->needs(trace);
    return cmd;
}

int runTrainCommand(const TrainOptions& o) {
    installTrainingStop();
    auto cb = callbacks();
    if (!o.trace.empty())
        if (auto s = recordInTrace(o, cb); !s) return fail(s.error().message);
    // Which waiting the idle threads got (see idle_threads.h): it changes the speed a lot.
    for (const char* name : {"OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT"})
        if (const char* value = std::getenv(name)) fmt::print("idle threads: {}={}\n", name, value);
    if (o.resume) {
        if (o.threads > 0)
            fmt::print("note: --threads is read from the recipe on resume; edit recipe.json to change it\n");
        auto s = resumeTraining(o.run, o.totalSteps, cb, {o.heldout, o.lessonPrompts});
        return s ? 0 : fail(s.error().message);
    }
    if (o.corpus.empty()) return fail("train: a new run needs --corpus DIR (with train.txt and val.txt)");
    NewRunInputs in;
    if (!o.recipe.empty()) {
        auto text = readWholeFile(o.recipe, kConfigFile);
        if (!text) return fail(text.error().message);
        auto cfg = parseTrainConfig(*text, o.recipe);
        if (!cfg) return fail(cfg.error().message);
        in.config = *cfg;
    }
    if (o.threads > 0) in.config.threads = o.threads;
    in.trainText = o.corpus + "/train.txt";
    in.valText = o.corpus + "/val.txt";
    in.tokenizerPath = o.tokenizer;
    in.lesson = {o.heldout, o.lessonPrompts};
    if (in.tokenizerPath.empty()) {
        if (std::filesystem::exists(o.run + "/recipe.json"))
            return fail(o.run + ": already holds a run; use --resume to continue it");
        std::filesystem::create_directories(o.run);
        in.tokenizerPath = o.run + "/tokenizer.json";
        fmt::print("training a {}-token byte-level BPE tokenizer on {} ...\n", o.vocabSize, in.trainText);
        std::fflush(stdout);
        if (auto s = trainByteLevelBpe(in.trainText, in.tokenizerPath, BpeTrainOptions{o.vocabSize, 2, {}});
            !s)
            return fail(s.error().message);
    }
    auto s = startTraining(o.run, in, cb);
    return s ? 0 : fail(s.error().message);
}

CLI::App* addTokenizerTrainCommand(CLI::App& app, TokenizerTrainOptions& o) {
    auto* cmd = app.add_subcommand("train-tokenizer",
                                   "Train a byte-level BPE tokenizer (tokenizer.json) on a text file");
    cmd->add_option("--input", o.input, "UTF-8 text file")->required();
    cmd->add_option("--out", o.out, "Output tokenizer.json")->required();
    cmd->add_option("--vocab-size", o.vocabSize, "Vocabulary size");
    return cmd;
}

int runTokenizerTrainCommand(const TokenizerTrainOptions& o) {
    if (auto s = trainByteLevelBpe(o.input, o.out, BpeTrainOptions{o.vocabSize, 2, {}}); !s)
        return fail(s.error().message);
    fmt::print("wrote {}\n", o.out);
    return 0;
}

CLI::App* addExportModelCommand(CLI::App& app, ExportModelOptions& o) {
    auto* cmd = app.add_subcommand(
        "export-model", "Write a run's latest checkpoint as a model directory with its sink probe");
    cmd->add_option("--run", o.run, "Run directory")->required();
    cmd->add_option("--out", o.out, "Model directory to write")->required();
    cmd->add_option("--dtype", o.dtype, "Weight type: bf16, f16 or f32")
        ->check(CLI::IsMember({"bf16", "f16", "f32"}));
    return cmd;
}

int runExportModelCommand(const ExportModelOptions& o) {
    const DType dtype = o.dtype == "f32" ? DType::F32 : o.dtype == "f16" ? DType::F16 : DType::BF16;
    auto r = exportRun(o.run, o.out, dtype);
    if (!r) return fail(r.error().message);
    fmt::print("exported step {} ({} tokens) to {}: probe Sink^0.3 {:.1f} %, mean loss {:.3f} nats\n",
               r->step, r->tokens, o.out, r->probe.sinkRate, r->probe.meanLoss);
    return 0;
}

} // namespace sinkscope::cli

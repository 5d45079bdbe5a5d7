#include "train_command.h"

#include "cli_common.h"
#include "figures/figure_builders.h"
#include "model/sink_probe.h"
#include "train/bpe_trainer.h"
#include "train/export_run.h"
#include "train/trainer.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sinkscope::cli {

namespace {

std::atomic<bool> g_stop{false};

void onSigint(int) {
    g_stop = true;
    std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends at once
}

std::string duration(double s) {
    const auto t = static_cast<long>(s);
    return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60)
                     : fmt::format("{}m{:02}s", t / 60, t % 60);
}

void printPoint(const TimelinePoint& p) {
    fmt::print(
        "checkpoint step {:>7}  tokens {:>11}  train {:.4f}  val {:.4f}  probe {:.4f}  Sink^0.3 {:5.1f} %  "
        "max alpha0 {:.3f}\n",
        p.step, p.tokens, p.trainLoss, p.valLoss, p.probeLoss, p.sinkRate, largestAlpha0(p.alpha0));
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
                   p.totalSteps, p.trainLoss, p.lr, p.gradNorm, p.tokensPerSecond, duration(p.etaSeconds));
        std::fflush(stdout);
    };
    cb.onCheckpoint = printPoint;
    cb.shouldStop = [] { return g_stop.load(); };
    return cb;
}

Result<std::string> readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot open", path)};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
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
    return cmd;
}

int runTrainCommand(const TrainOptions& o) {
    std::signal(SIGINT, onSigint);
    std::signal(SIGTERM, onSigint);
    const auto cb = callbacks();
    // Which waiting the idle threads got (see idle_threads.h): it changes the speed a lot.
    for (const char* name : {"OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT"})
        if (const char* value = std::getenv(name)) fmt::print("idle threads: {}={}\n", name, value);
    if (o.resume) {
        if (o.threads > 0)
            fmt::print("note: --threads is read from the recipe on resume; edit recipe.json to change it\n");
        auto s = resumeTraining(o.run, o.totalSteps, cb);
        return s ? 0 : fail(s.error().message);
    }
    if (o.corpus.empty()) return fail("train: a new run needs --corpus DIR (with train.txt and val.txt)");
    NewRunInputs in;
    if (!o.recipe.empty()) {
        auto text = readText(o.recipe);
        if (!text) return fail(text.error().message);
        auto cfg = parseTrainConfig(*text, o.recipe);
        if (!cfg) return fail(cfg.error().message);
        in.config = *cfg;
    }
    if (o.threads > 0) in.config.threads = o.threads;
    in.trainText = o.corpus + "/train.txt";
    in.valText = o.corpus + "/val.txt";
    in.tokenizerPath = o.tokenizer;
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

namespace {

// The desktop timeline's "Export α₀ map…": the same figure builder and renderer.
int drawCheckpoint(const TimelineOptions& o, const std::vector<TimelinePoint>& t) {
    if (t.empty()) return fail(fmt::format("{}/timeline.json: holds no checkpoints yet", o.run));
    const TimelinePoint* p = &t.back();
    if (o.step >= 0) {
        p = nullptr;
        std::string steps;
        for (const auto& q : t) {
            if (q.step == o.step) p = &q;
            steps += (steps.empty() ? "" : ", ") + std::to_string(q.step);
        }
        if (!p)
            return fail(
                fmt::format("--step {}: {}/timeline.json has checkpoints at steps {}", o.step, o.run, steps));
    }
    ensureGuiApplication();
    auto dir = std::filesystem::path(o.run).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path(); // "runs/default/"
    const std::string name = dir.filename().empty() ? o.run : dir.filename().string();
    if (auto st = writeHeatmap(timelineAlpha0Figure(p->alpha0, name, p->step, p->sinkRate), o.out); !st)
        return fail(st.error().message);
    fmt::print("wrote {} (step {})\n", o.out, p->step);
    return 0;
}

} // namespace

CLI::App* addTimelineCommand(CLI::App& app, TimelineOptions& o) {
    auto* cmd = app.add_subcommand("timeline", "Print the sink timeline of a training run");
    cmd->add_option("--run", o.run, "Run directory")->required();
    cmd->add_flag("--json", o.json, "Print the timeline as JSON");
    cmd->add_option("--out", o.out, "Draw the alpha_0 map of one checkpoint (.png, .svg or .pdf)");
    cmd->add_option("--step", o.step, "With --out: the checkpoint's step (default: the latest)");
    return cmd;
}

int runTimelineCommand(const TimelineOptions& o) {
    auto t = readTimeline(o.run);
    if (!t) return fail(t.error().message);
    if (!o.out.empty()) return drawCheckpoint(o, *t);
    if (o.json) {
        auto text = readText(o.run + "/timeline.json");
        fmt::print("{}", text ? *text : "{}");
        return 0;
    }
    fmt::print("{:>8} {:>12} {:>8} {:>8} {:>8} {:>9} {:>10}\n", "step", "tokens", "train", "val", "probe",
               "Sink^0.3", "max a0");
    for (const auto& p : *t)
        fmt::print("{:>8} {:>12} {:8.4f} {:8.4f} {:8.4f} {:8.1f}% {:10.3f}\n", p.step, p.tokens, p.trainLoss,
                   p.valLoss, p.probeLoss, p.sinkRate, largestAlpha0(p.alpha0));
    if (!t->empty()) {
        const auto& last = t->back();
        fmt::print("alpha_0 at step {} (layer x head):\n", last.step);
        for (std::size_t l = 0; l < last.alpha0.size(); ++l) {
            fmt::print("  L{:<3}", l);
            for (double a : last.alpha0[l])
                fmt::print(" {:5.3f}", a);
            fmt::print("\n");
        }
    }
    return 0;
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

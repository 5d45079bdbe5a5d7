#include "train/trainer.h"
#include "core/atomic_file.h"
#include "core/read_file.h"
#include "metrics/method_defaults.h"
#include "trace/timeline_file.h"

#include "core/allocator.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint_files.h"
#include "train/lesson_probe.h"
#include "train/progress_meter.h"
#include "train/sink_probe.h"
#include "train/token_data.h"
#include "train/train_model.h"

#include <ATen/Parallel.h>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Run {
    std::string dir;
    TrainConfig cfg;
    ModelConfig model;
    TokenIds train, val;
    detail::TransformerWeights w;
    std::unique_ptr<detail::AdamW> opt;
    std::int64_t step = 0, tokens = 0;
    double lossEma = 0;
    double seconds = 0; // training time over all sessions
    std::vector<TimelinePoint> timeline;
    std::optional<LessonInputs> lesson; // held-out text and prompts, when the run has them
};

void say(const TrainCallbacks& cb, const std::string& m) {
    if (cb.onMessage) cb.onMessage(m);
}

std::optional<std::int32_t> bosFor(const Run& r) {
    return r.cfg.bos ? r.model.bosId : std::nullopt;
}

// In full or not at all: a full disk keeps the previous file.
Status writeJson(const std::string& path, const json& j) {
    return writeFileAtomically(path, j.dump(1) + "\n");
}

// The points beside what they were measured on: the probe set and the lesson inputs.
Status writeTimeline(const Run& r) {
    json j{{"probe",
            {{"count", r.cfg.probeCount},
             {"length", r.cfg.probeLen},
             {"bos", r.cfg.bos},
             {"eps", kSinkEpsilon},
             {"split", "validation"}}}};
    if (r.lesson)
        j["lesson"] = {{"window", kLessonWindow},       {"sinks", kLessonSinks},
                       {"positions", "shift"},          {"heldout_tokens", r.lesson->heldout.size()},
                       {"heldout", "data/heldout.txt"}, {"prompts", r.lesson->prompts.size()},
                       {"suppression", "suppress"}};
    return writeTimelineFile(r.dir, r.timeline, j);
}

// Writes checkpoint.tmp completely, then swaps it in: an interrupted save never loses the last one.
Status saveCheckpoint(Run& r) {
    const std::string tmp = r.dir + "/checkpoint.tmp", final = r.dir + "/checkpoint";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (auto s = detail::saveModelDirectory(tmp, r.model, r.w, DType::F32); !s) return s;
    for (const char* name : {"tokenizer.json", "tokenizer.model"}) {
        if (!fs::exists(r.dir + "/" + name)) continue;
        fs::copy_file(r.dir + "/" + name, tmp + "/" + name, fs::copy_options::overwrite_existing, ec);
        if (ec) return Error{fmt::format("{}: cannot copy the tokenizer: {}", tmp, ec.message())};
    }
    if (auto s = detail::saveMoments(tmp, *r.opt); !s) return s;
    if (auto s = detail::writeTrainerState(tmp, {r.step, r.tokens, r.lossEma, r.seconds}); !s) return s;
    if (auto s = detail::swapInCheckpoint(tmp, final); !s) return s;
    return writeTimeline(r);
}

TimelinePoint evaluate(Run& r) {
    TimelinePoint p;
    p.step = r.step;
    p.tokens = r.tokens;
    p.trainLoss = r.lossEma;
    double val = 0;
    for (int i = 0; i < r.cfg.valBatches; ++i)
        val += detail::batchLoss(
            r.model, r.w,
            evenlySpacedBatch(r.val, i, r.cfg.valBatches, r.cfg.batchSize, r.cfg.seqLen, bosFor(r)));
    p.valLoss = val / std::max(1, r.cfg.valBatches);
    const Batch probes = evenlySpacedBatch(r.val, 0, 1, r.cfg.probeCount, r.cfg.probeLen, bosFor(r));
    detail::probeSinks(r.model, r.w, probes, kSinkEpsilon, p);
    return p;
}

// The lesson measurements need the engine's inference paths, so they run on the checkpoint
// just saved, loaded as an ordinary model; the point then gets its fields and the timeline is
// written again. A failure is reported and training goes on (the point keeps the sink fields).
void measureLesson(Run& r, const TrainCallbacks& cb) {
    if (!r.lesson || r.timeline.empty()) return;
    auto model = Model::load(r.dir + "/checkpoint");
    if (!model) {
        say(cb, fmt::format("warning: lesson probe skipped: {}", model.error().message));
        return;
    }
    auto result = probeLesson(**model, *r.lesson);
    if (!result) {
        say(cb, fmt::format("warning: lesson probe skipped: {}", result.error().message));
        return;
    }
    auto& p = r.timeline.back();
    p.streamPplWindow = result->pplWindow;
    p.streamPplSinks = result->pplSinks;
    p.suppressionKl = result->suppressionKl;
    if (auto s = writeTimeline(r); !s) say(cb, fmt::format("warning: {}", s.error().message));
}

// The model files of the checkpoint just saved, hard-linked where the file system allows (the
// checkpoint is replaced, never rewritten in place) into checkpoints/step-NNNNNN, written under
// a temporary name and renamed so that a sweep never sees half a model.
Status keepCheckpoint(const Run& r) {
    const std::string dir = fmt::format("{}/checkpoints/step-{:06d}", r.dir, r.step);
    const std::string tmp = dir + ".tmp";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec) return Error{fmt::format("{}: cannot create it: {}", tmp, ec.message())};
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer.model"}) {
        const std::string from = r.dir + "/checkpoint/" + name, to = tmp + "/" + name;
        if (!fs::exists(from)) continue;
        fs::create_hard_link(from, to, ec);
        if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
        if (ec) return Error{fmt::format("{}: cannot keep {}: {}", dir, name, ec.message())};
    }
    fs::remove_all(dir, ec);
    fs::rename(tmp, dir, ec);
    if (ec)
        return Error{fmt::format("{}: cannot move the kept checkpoint into place: {}", dir, ec.message())};
    return okStatus();
}

// Evaluates, saves a checkpoint, measures the lesson on it, then reports the point.
Status checkpoint(Run& r, const TrainCallbacks& cb) {
    r.timeline.push_back(evaluate(r));
    if (auto s = saveCheckpoint(r); !s) return s;
    if (r.cfg.keepCheckpoints)
        if (auto s = keepCheckpoint(r); !s) return s;
    measureLesson(r, cb);
    if (cb.onCheckpoint) cb.onCheckpoint(r.timeline.back());
    return okStatus();
}

Status checkData(const Run& r) {
    const std::size_t need = static_cast<std::size_t>(r.cfg.seqLen) + 2;
    if (r.train.size() < need)
        return Error{fmt::format("the training text has {} tokens, fewer than one sequence ({})",
                                 r.train.size(), need)};
    if (r.val.size() < need)
        return Error{fmt::format("the validation text has {} tokens, fewer than one sequence ({})",
                                 r.val.size(), need)};
    return okStatus();
}

Status loop(Run& r, const TrainCallbacks& cb) {
    configureAllocatorForTensors();
    if (r.cfg.threads > 0) at::set_num_threads(r.cfg.threads);
    const int B = r.cfg.batchSize, T = r.cfg.seqLen;
    const auto bos = bosFor(r);
    detail::ProgressMeter meter;
    while (r.step < r.cfg.totalSteps) {
        if (cb.shouldStop && cb.shouldStop()) {
            say(cb, fmt::format("stopping at step {}: saving a checkpoint", r.step));
            return checkpoint(r, cb);
        }
        const Batch b = trainingBatch(r.train, r.cfg.seed, r.step, B, T, bos);
        at::Tensor inputs = at::tensor(at::ArrayRef<std::int64_t>(b.inputs), at::kLong).view({B, T});
        at::Tensor targets = at::tensor(at::ArrayRef<std::int64_t>(b.targets), at::kLong).view({B * T});
        detail::ForwardContext ctx;
        at::Tensor logits =
            detail::projectLogits(r.model, r.w, detail::forwardHidden(r.model, r.w, inputs, ctx));
        at::Tensor loss = at::cross_entropy_loss(logits.view({B * T, -1}), targets);
        loss.backward();
        const double gradNorm = r.opt->clipGradNorm(r.cfg.gradClip);
        const double lr = learningRateAt(r.cfg, r.step);
        r.opt->step(lr, r.step + 1);
        r.opt->zeroGrad();
        const double l = loss.item<double>();
        r.lossEma = r.step == 0 ? l : 0.98 * r.lossEma + 0.02 * l;
        ++r.step;
        r.tokens += static_cast<std::int64_t>(B) * T;
        meter.countStep();

        if (r.step % r.cfg.logEvery == 0 || r.step == r.cfg.totalSteps) {
            const TrainProgress p =
                meter.report(r.step, r.cfg.totalSteps, r.tokens, static_cast<double>(B) * T, r.lossEma, lr,
                             gradNorm, r.seconds);
            if (cb.onProgress) cb.onProgress(p);
        }
        if (r.step % r.cfg.checkpointEvery == 0 || r.step == r.cfg.totalSteps) {
            if (auto s = checkpoint(r, cb); !s) return s;
            meter.restart(); // evaluation time is not training speed
        }
    }
    return okStatus();
}

Result<std::unique_ptr<Tokenizer>> runTokenizer(const std::string& dir) {
    return loadTokenizerFromDirectory(dir);
}

void setModel(Run& r, const Tokenizer& tok) {
    const auto bos = tok.bosId().value_or(1), eos = tok.eosId().value_or(2);
    r.model = r.cfg.modelConfig(tok.vocabSize(), bos, eos);
}

// Takes the lesson files into the run (when it has none) and encodes what it has.
Status setLesson(Run& r, const Tokenizer& tok, const LessonFiles& files) {
    if (auto s = installLessonFiles(r.dir, files.heldoutText, files.promptsText); !s) return s;
    auto lesson = loadLessonInputs(r.dir, tok, r.cfg.bos && tok.bosId().has_value());
    if (!lesson) return lesson.error();
    r.lesson = std::move(lesson.value());
    return okStatus();
}

} // namespace

Status startTraining(const std::string& runDir, const NewRunInputs& in, const TrainCallbacks& cb) {
    if (fs::exists(runDir + "/checkpoint") || fs::exists(runDir + "/recipe.json"))
        return Error{fmt::format("{}: already holds a run; use --resume to continue it", runDir)};
    std::error_code ec;
    fs::create_directories(runDir + "/data", ec);
    if (ec) return Error{fmt::format("{}: cannot create: {}", runDir, ec.message())};
    const auto tokName = fs::path(in.tokenizerPath).filename().string();
    if (tokName != "tokenizer.json" && tokName != "tokenizer.model")
        return Error{
            fmt::format("{}: the tokenizer must be a tokenizer.json or tokenizer.model", in.tokenizerPath)};
    if (fs::absolute(in.tokenizerPath) != fs::absolute(runDir + "/" + tokName))
        fs::copy_file(in.tokenizerPath, runDir + "/" + tokName, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error{fmt::format("{}: cannot copy: {}", in.tokenizerPath, ec.message())};
    auto tok = runTokenizer(runDir);
    if (!tok) return tok.error();

    Run r;
    r.dir = runDir;
    r.cfg = in.config;
    setModel(r, **tok);
    // Before the long encoding, so that an unusable held-out text stops the run at once.
    if (auto s = setLesson(r, **tok, in.lesson); !s) return s;
    say(cb, fmt::format("encoding {} ...", in.trainText));
    auto train = encodeTextFile(in.trainText, **tok);
    if (!train) return train.error();
    auto val = encodeTextFile(in.valText, **tok);
    if (!val) return val.error();
    r.train = std::move(train.value());
    r.val = std::move(val.value());
    if (auto s = checkData(r); !s) return s;
    if (auto s = saveTokenCache(runDir + "/data/train.ids", r.train); !s) return s;
    if (auto s = saveTokenCache(runDir + "/data/val.ids", r.val); !s) return s;
    if (auto s = writeJson(runDir + "/recipe.json", json::parse(trainConfigToJson(r.cfg))); !s) return s;
    say(cb, fmt::format("corpus: {} training tokens, {} validation tokens, vocabulary {}", r.train.size(),
                        r.val.size(), r.model.vocabSize));

    r.w = detail::initWeights(r.model, r.cfg.initStd, r.cfg.seed);
    r.opt = std::make_unique<detail::AdamW>(detail::namedParameters(r.model, r.w), r.cfg.beta1, r.cfg.beta2,
                                            r.cfg.eps, r.cfg.weightDecay);
    r.timeline.push_back(evaluate(r)); // step 0: the untrained model, for the timeline's start
    if (cb.onCheckpoint) cb.onCheckpoint(r.timeline.back());
    return loop(r, cb);
}

Status resumeTraining(const std::string& runDir, std::int64_t extendTo, const TrainCallbacks& cb,
                      const LessonFiles& lesson) {
    auto recipe = readWholeFile(runDir + "/recipe.json", kConfigFile);
    if (!recipe) return Error{fmt::format("{}: no run to resume ({})", runDir, recipe.error().message)};
    auto cfg = parseTrainConfig(*recipe, runDir + "/recipe.json");
    if (!cfg) return cfg.error();
    Run r;
    r.dir = runDir;
    r.cfg = *cfg;
    if (extendTo > 0) {
        r.cfg.totalSteps = extendTo;
        if (auto s = writeJson(runDir + "/recipe.json", json::parse(trainConfigToJson(r.cfg))); !s) return s;
    }
    auto tok = runTokenizer(runDir);
    if (!tok) return tok.error();
    setModel(r, **tok);
    auto train = loadTokenCache(runDir + "/data/train.ids");
    if (!train) return train.error();
    auto val = loadTokenCache(runDir + "/data/val.ids");
    if (!val) return val.error();
    r.train = std::move(train.value());
    r.val = std::move(val.value());
    if (auto s = setLesson(r, **tok, lesson); !s) return s;

    const std::string ck = runDir + "/checkpoint";
    auto state = detail::readTrainerState(ck);
    if (!state) return state.error();
    r.step = state->step;
    r.tokens = state->tokens;
    r.lossEma = state->lossEma;
    r.seconds = state->seconds;
    auto w = detail::loadTrainableWeights(ck, r.model);
    if (!w) return w.error();
    r.w = std::move(w.value());
    r.opt = std::make_unique<detail::AdamW>(detail::namedParameters(r.model, r.w), r.cfg.beta1, r.cfg.beta2,
                                            r.cfg.eps, r.cfg.weightDecay);
    if (auto s = detail::loadMoments(ck, *r.opt); !s) return s;
    auto timeline = readTimeline(runDir);
    if (timeline) r.timeline = std::move(timeline.value());
    say(cb, fmt::format("resuming at step {} of {} ({} tokens seen)", r.step, r.cfg.totalSteps, r.tokens));
    return loop(r, cb);
}

} // namespace sinkscope

#include "train/vlm_trainer.h"

#include "core/allocator.h"
#include "core/atomic_file.h"
#include "core/json_parse.h"
#include "core/read_file.h"
#include "model/transformer.h"
#include "model/vision_tower.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint_files.h"
#include "train/progress_meter.h"
#include "train/shape_pictures.h"
#include "train/train_model.h"
#include "train/vlm_model.h"

#include <ATen/Parallel.h>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kVlmTimeline = "vlm_timeline.json";
constexpr const char* kImageToken = "<image>";
constexpr std::int64_t kIgnore = -100; // cross_entropy's ignore_index: not an answer token

struct VlmRun {
    std::string dir;
    VlmRecipe recipe;
    ModelConfig text;
    LlavaConfig llava;
    std::unique_ptr<Tokenizer> tok;
    detail::TransformerWeights lm;
    detail::VisionWeights vision;
    std::unique_ptr<detail::AdamW> opt;
    std::int64_t step = 0;
    double lossEma = 0, seconds = 0;
    std::vector<VlmPoint> timeline;
};

void say(const VlmCallbacks& cb, const std::string& m) {
    if (cb.onMessage) cb.onMessage(m);
}

// A batch of scenes index0 .. index0 + B - 1 of a picture seed, one question each.
struct VlmBatch {
    at::Tensor tokens;  // int64 [B, T]; image positions and padding hold 0 (HF's rule for an
                        // image token outside the vocabulary: it is replaced before the lookup)
    at::Tensor targets; // int64 [B * T]; kIgnore except where the next token is an answer token
    at::Tensor pixels;  // float32 [B, 3, S, S], preprocessed as SiglipImageProcessor does
    std::vector<std::int64_t> imagePositions;
    std::vector<int> tasks;
};

Result<VlmBatch> makeBatch(const VlmRun& r, std::uint64_t seed, std::int64_t index0, int B) {
    const int S = r.recipe.imageSize, P = r.llava.imageTokens();
    const bool bos = r.text.addBos && r.text.bosId.has_value();
    std::vector<std::vector<std::int64_t>> rows;
    std::vector<std::int64_t> answerBegin;
    VlmBatch b;
    b.pixels = at::empty({B, 3, S, S}, at::kFloat);
    float* px = b.pixels.data_ptr<float>();
    for (int i = 0; i < B; ++i) {
        const auto index = static_cast<std::uint64_t>(index0 + i);
        const ShapeScene scene = sceneAt(seed, index, S);
        const SceneQuestion q = questionAt(scene, seed, index);
        auto question = r.tok->encode(questionText(q), false);
        if (!question) return question.error();
        auto answer = r.tok->encode(answerText(q), false);
        if (!answer) return answer.error();
        std::vector<std::int64_t> ids(static_cast<std::size_t>((bos ? 1 : 0) + P), 0);
        if (bos) ids[0] = *r.text.bosId;
        ids.insert(ids.end(), question->begin(), question->end());
        answerBegin.push_back(static_cast<std::int64_t>(ids.size()));
        ids.insert(ids.end(), answer->begin(), answer->end());
        if (r.text.eosId) ids.push_back(*r.text.eosId);
        rows.push_back(std::move(ids));
        b.tasks.push_back(static_cast<int>(q.task));
        // (u8 / 255 - 0.5) / 0.5, channels first: the picture is already the tower's size, so
        // the processor's resize leaves it as it is.
        const RgbImage img = drawScene(scene);
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < S * S; ++p)
                px[(static_cast<std::size_t>(i) * 3 + c) * S * S + p] =
                    (static_cast<float>(img.rgb[static_cast<std::size_t>(p) * 3 + c]) / 255.0f - 0.5f) / 0.5f;
    }
    std::size_t T = 0;
    for (const auto& row : rows)
        T = std::max(T, row.size() - 1);
    std::vector<std::int64_t> tokens(static_cast<std::size_t>(B) * T, 0), targets(tokens.size(), kIgnore);
    for (int i = 0; i < B; ++i) {
        const auto& row = rows[static_cast<std::size_t>(i)];
        for (std::size_t t = 0; t + 1 < row.size(); ++t) {
            tokens[static_cast<std::size_t>(i) * T + t] = row[t];
            if (static_cast<std::int64_t>(t + 1) >= answerBegin[static_cast<std::size_t>(i)])
                targets[static_cast<std::size_t>(i) * T + t] = row[t + 1];
        }
    }
    const auto Tn = static_cast<std::int64_t>(T);
    b.tokens = at::tensor(tokens, at::kLong).view({B, Tn});
    b.targets = at::tensor(targets, at::kLong);
    for (int p = 0; p < P; ++p)
        b.imagePositions.push_back((bos ? 1 : 0) + p);
    return b;
}

// Logits [B, T, V] of a batch: each picture through the tower and projector, spliced into the
// frozen language model's input at the image positions.
at::Tensor batchLogits(const VlmRun& r, const VlmBatch& b) {
    std::vector<at::Tensor> features;
    for (std::int64_t i = 0; i < b.pixels.size(0); ++i)
        features.push_back(detail::encodeImage(r.llava, r.vision, b.pixels[i]).features);
    detail::EmbeddingOverride e{at::stack(features), b.imagePositions};
    detail::ForwardContext ctx;
    ctx.embeds = &e;
    return detail::projectLogits(r.text, r.lm, detail::forwardHidden(r.text, r.lm, b.tokens, ctx));
}

at::Tensor answerLoss(const at::Tensor& logits, const at::Tensor& targets) {
    return at::cross_entropy_loss(logits.reshape({targets.size(0), -1}), targets, {}, at::Reduction::Mean,
                                  kIgnore);
}

VlmPoint evaluate(VlmRun& r) {
    c10::NoGradGuard noGrad;
    VlmPoint p;
    p.step = r.step;
    p.pictures = r.step * r.recipe.schedule.batchSize;
    p.trainLoss = r.lossEma;
    const int B = r.recipe.schedule.batchSize, batches = std::max(1, r.recipe.schedule.valBatches);
    std::map<std::string, std::pair<int, int>> byTask; // right, asked
    double loss = 0;
    int right = 0;
    for (int k = 0; k < batches; ++k) {
        auto b = makeBatch(r, r.recipe.valPictureSeed, static_cast<std::int64_t>(k) * B, B);
        if (!b) continue; // the same encoder succeeded on the training batches
        const at::Tensor logits = batchLogits(r, *b);
        loss += answerLoss(logits, b->targets).item<double>();
        const at::Tensor predicted = logits.argmax(-1).reshape({-1});
        const at::Tensor counted = b->targets != kIgnore;
        const at::Tensor wrong = ((predicted != b->targets) & counted).view({B, -1}).any(1);
        for (int i = 0; i < B; ++i) {
            const bool ok = !wrong[i].item<bool>();
            auto& [hit, asked] = byTask[sceneTaskName(b->tasks[static_cast<std::size_t>(i)])];
            hit += ok ? 1 : 0;
            ++asked;
            right += ok ? 1 : 0;
        }
    }
    p.valLoss = loss / batches;
    p.questions = batches * B;
    p.exactMatch = static_cast<double>(right) / p.questions;
    for (const auto& [task, counts] : byTask)
        p.exactByTask[task] = static_cast<double>(counts.first) / counts.second;
    return p;
}

json pointJson(const VlmPoint& p) {
    return {{"step", p.step},          {"pictures", p.pictures},      {"train_loss", p.trainLoss},
            {"val_loss", p.valLoss},   {"exact_match", p.exactMatch}, {"exact_by_task", p.exactByTask},
            {"questions", p.questions}};
}

Status writeTimeline(const VlmRun& r) {
    json points = json::array();
    for (const auto& p : r.timeline)
        points.push_back(pointJson(p));
    json j{{"measured_on",
            fmt::format("held-out scenes of picture seed {}, {} per checkpoint", r.recipe.valPictureSeed,
                        r.recipe.schedule.valBatches * r.recipe.schedule.batchSize)},
           {"points", points}};
    return writeFileAtomically(r.dir + "/" + kVlmTimeline, j.dump(1) + "\n");
}

} // namespace

Result<std::vector<VlmPoint>> readVlmTimeline(const std::string& dir) {
    const std::string path = dir + "/" + kVlmTimeline;
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return text.error();
    auto j = parseJson(*text, path);
    if (!j) return j.error();
    std::vector<VlmPoint> out;
    try {
        for (const auto& q : j->at("points")) {
            VlmPoint p;
            p.step = q.at("step");
            p.pictures = q.at("pictures");
            p.trainLoss = q.at("train_loss");
            p.valLoss = q.at("val_loss");
            p.exactMatch = q.at("exact_match");
            p.exactByTask = q.at("exact_by_task").get<std::map<std::string, double>>();
            p.questions = q.at("questions");
            out.push_back(std::move(p));
        }
    } catch (const json::exception& e) {
        return Error{fmt::format("{}: not a picture-model timeline: {}", path, jsonErrorText(e))};
    }
    return out;
}

namespace {

Status copyInto(const std::string& from, const std::string& to) {
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error{fmt::format("{}: cannot copy to {}: {}", from, to, ec.message())};
    return okStatus();
}

// Writes checkpoint.tmp completely, then swaps it in: an interrupted save never loses the last one.
Status saveCheckpoint(VlmRun& r) {
    const std::string tmp = r.dir + "/checkpoint.tmp", final = r.dir + "/checkpoint";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (auto s = detail::saveLlavaDirectory(tmp, r.llava, r.text, r.lm, r.vision, DType::F32); !s) return s;
    if (auto s = copyInto(r.dir + "/tokenizer.json", tmp + "/tokenizer.json"); !s) return s;
    if (auto s = detail::saveMoments(tmp, *r.opt); !s) return s;
    const std::int64_t pictures = r.step * r.recipe.schedule.batchSize;
    if (auto s = detail::writeTrainerState(tmp, {r.step, pictures, r.lossEma, r.seconds}); !s) return s;
    if (auto s = detail::swapInCheckpoint(tmp, final); !s) return s;
    return writeTimeline(r);
}

Status checkpoint(VlmRun& r, const VlmCallbacks& cb) {
    r.timeline.push_back(evaluate(r));
    if (auto s = saveCheckpoint(r); !s) return s;
    if (cb.onCheckpoint) cb.onCheckpoint(r.timeline.back());
    return okStatus();
}

Status loop(VlmRun& r, const VlmCallbacks& cb) {
    configureAllocatorForTensors();
    const TrainConfig& s = r.recipe.schedule;
    if (s.threads > 0) at::set_num_threads(s.threads);
    const int B = s.batchSize;
    detail::ProgressMeter meter;
    while (r.step < s.totalSteps) {
        if (cb.shouldStop && cb.shouldStop()) {
            say(cb, fmt::format("stopping at step {}: saving a checkpoint", r.step));
            return checkpoint(r, cb);
        }
        auto b = makeBatch(r, r.recipe.pictureSeed, r.step * B, B);
        if (!b) return b.error();
        const at::Tensor loss = answerLoss(batchLogits(r, *b), b->targets);
        loss.backward();
        const double gradNorm = r.opt->clipGradNorm(s.gradClip);
        const double lr = learningRateAt(s, r.step);
        r.opt->step(lr, r.step + 1);
        r.opt->zeroGrad();
        const double l = loss.item<double>();
        r.lossEma = r.step == 0 ? l : 0.98 * r.lossEma + 0.02 * l;
        ++r.step;
        meter.countStep();
        if (r.step % s.logEvery == 0 || r.step == s.totalSteps) {
            const TrainProgress p =
                meter.report(r.step, s.totalSteps, r.step * B, B, r.lossEma, lr, gradNorm, r.seconds);
            if (cb.onProgress) cb.onProgress(p);
        }
        if (r.step % s.checkpointEvery == 0 || r.step == s.totalSteps) {
            if (auto st = checkpoint(r, cb); !st) return st;
            meter.restart();
        }
    }
    return okStatus();
}

// The language model's tokenizer.json with <image> added after its last id (special, never split).
Result<std::int32_t> writeTokenizerWithImage(const std::string& from, const std::string& to) {
    auto text = readWholeFile(from, kTokenizerFile);
    if (!text) return text.error();
    auto j = parseJson(*text, from);
    if (!j) return j.error();
    auto tok = parseHfTokenizerJson(*text, from);
    if (!tok) return tok.error();
    const std::int32_t id = (*tok)->vocabSize();
    if (!j->is_object()) return Error{fmt::format("{}: top level is not an object", from)};
    json& added = (*j)["added_tokens"];
    if (added.is_null()) added = json::array();
    if (!added.is_array()) return Error{fmt::format("{}: field 'added_tokens' is not an array", from)};
    for (const auto& a : added)
        if (a.is_object() && a.value("content", "") == kImageToken)
            return Error{fmt::format("{}: already holds {}", from, kImageToken)};
    added.push_back({{"id", id},
                     {"content", kImageToken},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
    if (auto s = writeFileAtomically(to, j->dump(1) + "\n"); !s) return s.error();
    return id;
}

// The parts every session needs: tokenizer, language model, LLaVA config.
Status openRun(VlmRun& r) {
    auto tok = loadHfTokenizerJson(r.dir + "/tokenizer.json");
    if (!tok) return tok.error();
    r.tok = std::move(tok.value());
    auto text = loadHfConfig(r.dir + "/lm/config.json");
    if (!text) return text.error();
    r.text = *text;
    if (r.text.family != Family::Llama)
        return Error{
            fmt::format("{}/lm: the language model must be llama-style, not {}", r.dir, r.text.modelType)};
    auto lm = detail::loadFrozenLanguageModel(r.dir + "/lm", r.text);
    if (!lm) return lm.error();
    r.lm = std::move(lm.value());
    const std::int32_t imageId = r.tok->vocabSize() - 1; // added last by writeTokenizerWithImage
    if (r.tok->tokenText(imageId) != kImageToken)
        return Error{fmt::format("{}/tokenizer.json: its last id {} is not {}", r.dir, imageId, kImageToken)};
    r.llava = r.recipe.llavaConfig(imageId);
    return okStatus();
}

// A run directory's recipe, tokenizer, language model and the tower of its latest checkpoint;
// `what` the run is opened for, for the message when there is none.
Status openExisting(VlmRun& r, const std::string& runDir, const char* what) {
    auto text = readWholeFile(runDir + "/recipe.json", kConfigFile);
    if (!text) return Error{fmt::format("{}: no run to {} ({})", runDir, what, text.error().message)};
    auto recipe = parseVlmRecipe(*text, runDir + "/recipe.json");
    if (!recipe) return recipe.error();
    r.dir = runDir;
    r.recipe = *recipe;
    if (auto s = openRun(r); !s) return s;
    auto vision = detail::loadTrainableVision(runDir + "/checkpoint", r.llava, r.text.dModel);
    if (!vision) return vision.error();
    r.vision = std::move(vision.value());
    return okStatus();
}

} // namespace

const char* sceneTaskName(int task) {
    static const char* const names[] = {"describe", "colour", "shape", "count", "where"};
    return task >= 0 && task < 5 ? names[task] : "?";
}

Status startVlmTraining(const std::string& runDir, const std::string& lmDir, const VlmRecipe& recipe,
                        const VlmCallbacks& cb) {
    if (fs::exists(runDir + "/checkpoint") || fs::exists(runDir + "/recipe.json"))
        return Error{fmt::format("{}: already holds a run; use --resume to continue it", runDir)};
    std::error_code ec;
    fs::create_directories(runDir + "/lm", ec);
    if (ec) return Error{fmt::format("{}: cannot create: {}", runDir, ec.message())};
    for (const char* name : {"config.json", "model.safetensors", "tokenizer.json"})
        if (auto s = copyInto(lmDir + "/" + name, runDir + "/lm/" + name); !s) return s;
    if (auto id = writeTokenizerWithImage(lmDir + "/tokenizer.json", runDir + "/tokenizer.json"); !id)
        return id.error();
    if (auto s = writeFileAtomically(runDir + "/recipe.json", vlmRecipeToJson(recipe)); !s) return s;
    VlmRun r;
    r.dir = runDir;
    r.recipe = recipe;
    if (auto s = openRun(r); !s) return s;
    r.vision =
        detail::initVisionWeights(r.llava, r.text.dModel, recipe.schedule.initStd, recipe.schedule.seed);
    r.opt = std::make_unique<detail::AdamW>(detail::visionParameters(r.vision), recipe.schedule.beta1,
                                            recipe.schedule.beta2, recipe.schedule.eps,
                                            recipe.schedule.weightDecay);
    say(cb, fmt::format(
                "attached to {} ({} layers, d_model {}); {} image tokens of {}x{} patches; image token id {}",
                lmDir, r.text.nLayers, r.text.dModel, r.llava.imageTokens(), recipe.patchSize,
                recipe.patchSize, r.llava.imageTokenId));
    r.timeline.push_back(evaluate(r)); // step 0: the untrained tower
    if (cb.onCheckpoint) cb.onCheckpoint(r.timeline.back());
    return loop(r, cb);
}

Status resumeVlmTraining(const std::string& runDir, std::int64_t extendTo, const VlmCallbacks& cb) {
    VlmRun r;
    if (auto s = openExisting(r, runDir, "resume"); !s) return s;
    if (extendTo > 0) {
        r.recipe.schedule.totalSteps = extendTo;
        if (auto s = writeFileAtomically(runDir + "/recipe.json", vlmRecipeToJson(r.recipe)); !s) return s;
    }
    const std::string ck = runDir + "/checkpoint";
    auto state = detail::readTrainerState(ck);
    if (!state) return state.error();
    r.step = state->step;
    r.lossEma = state->lossEma;
    r.seconds = state->seconds;
    r.opt = std::make_unique<detail::AdamW>(detail::visionParameters(r.vision), r.recipe.schedule.beta1,
                                            r.recipe.schedule.beta2, r.recipe.schedule.eps,
                                            r.recipe.schedule.weightDecay);
    if (auto s = detail::loadMoments(ck, *r.opt); !s) return s;
    auto timeline = readVlmTimeline(runDir);
    if (timeline) r.timeline = std::move(timeline.value());
    say(cb, fmt::format("resuming at step {} of {}", r.step, r.recipe.schedule.totalSteps));
    return loop(r, cb);
}

Result<VlmPoint> exportVlmRun(const std::string& runDir, const std::string& outDir, DType dtype) {
    VlmRun r;
    if (auto s = openExisting(r, runDir, "export"); !s) return s.error();
    auto timeline = readVlmTimeline(runDir);
    if (!timeline) return timeline.error();
    if (timeline->empty()) return Error{fmt::format("{}: the run has no checkpoint yet", runDir)};
    if (auto s = detail::saveLlavaDirectory(outDir, r.llava, r.text, r.lm, r.vision, dtype); !s)
        return s.error();
    if (auto s = copyInto(runDir + "/tokenizer.json", outDir + "/tokenizer.json"); !s) return s.error();
    if (auto s = copyInto(runDir + "/recipe.json", outDir + "/training_recipe.json"); !s) return s.error();
    if (auto s = copyInto(runDir + "/" + kVlmTimeline, outDir + "/" + kVlmTimeline); !s) return s.error();
    return timeline->back();
}

} // namespace sinkscope

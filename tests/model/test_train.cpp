// The trainer: a step lowers the loss, checkpoints reload to identical logits, an interrupted
// run resumes exactly where it left off, the schedule and the recipe parser, and each attention
// variant against a hand-computed case.
#include "cli_run.h"
#include "model/attention.h"
#include "model/causal_attention.h"
#include "model/model.h"
#include "sweep/sweep_spec.h"
#include "temp_dir.h"
#include "tiny_training.h"
#include "tokenizer/tokenizer.h"
#include "trace/trace_store.h"
#include "train/bpe_trainer.h"
#include "train/export_run.h"
#include "train/sink_probe.h"
#include "train/token_data.h"
#include "train/train_model.h"
#include "train/trainer.h"

#include <c10/core/GradMode.h>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;
namespace sd = sinkscope::detail;

namespace {

TEST(BpeTrainer, TokenizerRoundTripsTheCorpusAndHasBosEos) {
    Corpus corpus;
    auto tok = loadHfTokenizerJson(corpus.dir.path("tokenizer.json"));
    ASSERT_TRUE(tok.ok()) << tok.error().message;
    EXPECT_EQ((*tok)->vocabSize(), 300);
    ASSERT_TRUE((*tok)->bosId().has_value());
    EXPECT_EQ((*tok)->tokenText(*(*tok)->bosId()), "<s>");
    EXPECT_EQ((*tok)->tokenText(*(*tok)->eosId()), "</s>");
    const std::string text = corpusText(5, 9).substr(0, 1200);
    auto ids = (*tok)->encode(text, true);
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(ids->front(), *(*tok)->bosId());
    EXPECT_LT(ids->size() * 10, text.size() * 6); // merges were learned: well under one token per byte
    EXPECT_EQ((*tok)->decode({ids->begin() + 1, ids->end()}), text);
}

TEST(Trainer, TokenCacheCountIsCheckedAgainstTheFileBeforeAllocating) {
    TempDir d;
    const TokenIds ids{5, 6, 7};
    ASSERT_TRUE(saveTokenCache(d.path("ok.ids"), ids).ok());
    auto back = loadTokenCache(d.path("ok.ids"));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, ids);
    // A header claiming 2^40 tokens (4 TiB) over 12 bytes of them.
    std::string bytes = readBytes(d.path("ok.ids"));
    const std::uint64_t claimed = 1ull << 40;
    std::memcpy(bytes.data() + 4, &claimed, 8);
    const auto bad = d.write("bad.ids", bytes);
    auto refused = loadTokenCache(bad);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message,
              bad + ": says 1099511627776 tokens but holds 12 bytes of them: truncated token cache");
}

TEST(Trainer, ScheduleWarmsUpThenDecaysToMinimum) {
    auto c = tinyRecipe();
    c.totalSteps = 13; // 10 decay steps after 3 of warm-up
    EXPECT_NEAR(learningRateAt(c, 0), c.lr / 3, 1e-12);
    EXPECT_NEAR(learningRateAt(c, 2), c.lr, 1e-12);
    EXPECT_NEAR(learningRateAt(c, 3), c.lr, 1e-12);
    EXPECT_NEAR(learningRateAt(c, 8), (c.lr + c.minLr) / 2, 1e-9);
    EXPECT_NEAR(learningRateAt(c, 13), c.minLr, 1e-12);
    EXPECT_GT(learningRateAt(c, 12), c.minLr);
}

TEST(Trainer, RecipeParserNamesBadFields) {
    EXPECT_NE(parseTrainConfig(R"({"layerz": 2})", "r.json").error().message.find("unknown field 'layerz'"),
              std::string::npos);
    EXPECT_NE(parseTrainConfig(R"({"lr": "fast"})", "r.json").error().message.find("'lr'"),
              std::string::npos);
    EXPECT_NE(parseTrainConfig(R"({"d_model": 30, "heads": 4})", "r.json").error().message.find("even size"),
              std::string::npos);
    auto ok = parseTrainConfig(trainConfigToJson(tinyRecipe()), "r.json");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->kvHeads, 2);
}

// Recipes are user files: numbers past double's range, values that do not fit their field and
// deep nesting are one-line errors, not aborts or silently truncated values.
TEST(Trainer, RecipeParserRefusesOutOfRangeAndMistypedValues) {
    const auto error = [](const std::string& text) {
        auto r = parseTrainConfig(text, "r.json");
        EXPECT_FALSE(r.ok()) << text;
        return r.ok() ? std::string() : r.error().message;
    };
    EXPECT_NE(error(R"({"lr": 1e999})").find("r.json: not valid JSON"), std::string::npos);
    EXPECT_EQ(error(R"({"layers": 2.5})"), "r.json: field 'layers' must be an integer in range, got 2.5");
    EXPECT_EQ(error(R"({"layers": 1099511627776})"),
              "r.json: field 'layers' must be an integer in range, got 1099511627776");
    EXPECT_EQ(error(R"({"seed": -1})"), "r.json: field 'seed' must be an integer in range, got -1");
    EXPECT_EQ(error(R"({"bos": 1})"), "r.json: field 'bos' must be true or false, got 1");
    EXPECT_EQ(error(R"({"sigmoid_bias": 1e300})"),
              "r.json: field 'sigmoid_bias' must be a number in range, got 1e+300");
    EXPECT_NE(
        error(R"({"attention": "sink_logit", "sink_logit": 1e300})").find("'sink_logit' must be a number"),
        std::string::npos);
    EXPECT_NE(error(R"({"comment": )" + std::string(100000, '[') + "}").find("nests deeper"),
              std::string::npos);
    EXPECT_LT(error("{\"" + std::string(100000, 'k') + "\": 1}").size(), 500u);
}

TEST(Trainer, OneStepLowersTheLossOnAFixedBatch) {
    const auto c = tinyRecipe().modelConfig(50, 1, 2);
    auto w = sd::initWeights(c, 0.02, 7);
    sd::AdamW opt(sd::namedParameters(c, w), 0.9, 0.95, 1e-8, 0.0);
    Batch b;
    b.rows = 2;
    b.cols = 8;
    for (int i = 0; i < 16; ++i) {
        b.inputs.push_back((i * 7) % 50);
        b.targets.push_back((i * 7 + 3) % 50);
    }
    const double before = sd::batchLoss(c, w, b);
    for (int step = 1; step <= 3; ++step) {
        sd::ForwardContext ctx;
        at::Tensor inputs = at::tensor(at::ArrayRef<std::int64_t>(b.inputs)).view({2, 8});
        at::Tensor logits = sd::projectLogits(c, w, sd::forwardHidden(c, w, inputs, ctx));
        at::cross_entropy_loss(logits.view({16, -1}), at::tensor(at::ArrayRef<std::int64_t>(b.targets)))
            .backward();
        opt.clipGradNorm(1.0);
        opt.step(1e-2, step);
        opt.zeroGrad();
    }
    EXPECT_LT(sd::batchLoss(c, w, b), before - 0.05);
}

TEST(Trainer, CheckpointReloadsToIdenticalLogits) {
    TempDir dir;
    const auto c = tinyRecipe().modelConfig(50, 1, 2);
    auto w = sd::initWeights(c, 0.2, 3);
    ASSERT_TRUE(sd::saveModelDirectory(dir.path("m"), c, w, DType::F32).ok());
    auto m = Model::load(dir.path("m"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    const std::vector<std::int32_t> ids{1, 5, 9, 33, 2, 49, 0};
    auto out = m.value()->forward(ids, nullptr, true);
    ASSERT_TRUE(out.ok());
    c10::NoGradGuard noGrad;
    sd::ForwardContext ctx;
    at::Tensor expected =
        sd::projectLogits(
            c, w,
            sd::forwardHidden(
                c, w, at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end())).view({1, 7}), ctx))
            .contiguous();
    ASSERT_EQ(static_cast<std::int64_t>(out->logits.size()), expected.numel());
    for (std::size_t i = 0; i < out->logits.size(); ++i)
        ASSERT_EQ(out->logits[i], expected.data_ptr<float>()[i]) << i;
}

std::vector<float> weightsOf(const std::string& dir) {
    auto m = Model::load(dir);
    EXPECT_TRUE(m.ok());
    auto out = m.value()->forward({1, 7, 8, 9, 10, 11}, nullptr, true);
    return out->logits;
}

TEST(Trainer, ResumedRunMatchesAnUninterruptedOne) {
    Corpus corpus;
    TempDir runs;
    ASSERT_TRUE(startTraining(runs.path("straight"), corpus.inputs(tinyRecipe()), {}).ok());

    // The same run, stopped after 5 steps (a checkpoint is saved on stop), then resumed.
    int polls = 0;
    TrainCallbacks stopEarly;
    stopEarly.shouldStop = [&] { return ++polls > 5; };
    ASSERT_TRUE(startTraining(runs.path("split"), corpus.inputs(tinyRecipe()), stopEarly).ok());
    std::ifstream state(runs.path("split/checkpoint/trainer_state.json"));
    std::string stateText((std::istreambuf_iterator<char>(state)), {});
    EXPECT_NE(stateText.find("\"step\": 5"), std::string::npos) << stateText;
    ASSERT_TRUE(resumeTraining(runs.path("split"), 0, {}).ok());

    EXPECT_EQ(weightsOf(runs.path("straight/checkpoint")), weightsOf(runs.path("split/checkpoint")));
    auto timeline = readTimeline(runs.path("split"));
    ASSERT_TRUE(timeline.ok());
    EXPECT_EQ(timeline->back().step, 12);
    EXPECT_LT(timeline->back().valLoss, timeline->front().valLoss);
}

TEST(Trainer, StartingTwiceInOneDirectoryIsRefused) {
    Corpus corpus;
    TempDir runs;
    auto r = tinyRecipe();
    r.totalSteps = 2;
    ASSERT_TRUE(startTraining(runs.path("a"), corpus.inputs(r), {}).ok());
    const auto again = startTraining(runs.path("a"), corpus.inputs(r), {});
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("--resume"), std::string::npos);
}

TEST(Trainer, ExportedModelReproducesItsRecordedSinkProbe) {
    Corpus corpus;
    TempDir runs;
    ASSERT_TRUE(startTraining(runs.path("r"), corpus.inputs(tinyRecipe()), {}).ok());
    auto summary = exportRun(runs.path("r"), runs.path("out"), DType::BF16);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary->step, 12);
    auto recorded = readRecordedProbe(runs.path("out"));
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    ASSERT_EQ(recorded->sequences.size(), 3u);
    auto m = Model::load(runs.path("out"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto again = runSinkProbe(**m, recorded->sequences, recorded->eps);
    ASSERT_TRUE(again.ok());
    EXPECT_DOUBLE_EQ(again->sinkRate, recorded->recorded.sinkRate);
    EXPECT_NEAR(again->meanLoss, recorded->recorded.meanLoss, 1e-9);
    EXPECT_NEAR(again->alpha0[1][2], recorded->recorded.alpha0[1][2], 1e-9);
}

// The fused training kernel against masked attention in plain ATen ops, forward and gradients,
// with grouped-query heads (G = 3) and an odd length: softmax weights, or sigmoid(z + bias).
void expectFusedMatchesReference(std::optional<float> sigmoidBias) {
    at::manual_seed(5);
    const std::int64_t B = 2, H = 6, Hkv = 2, T = 37, hd = 8;
    auto q = (at::randn({B, H, T, hd}) * 0.7).requires_grad_(true);
    auto k = at::randn({B, Hkv, T, hd}).requires_grad_(true);
    auto v = at::randn({B, Hkv, T, hd}).requires_grad_(true);
    auto w = at::randn({B, H, T, hd}); // a random upstream gradient

    const auto fused = sd::fusedCausalAttention(q, k, v, sigmoidBias);
    (fused * w).sum().backward();
    const auto dq = q.grad().clone(), dk = k.grad().clone(), dv = v.grad().clone();
    q.mutable_grad() = at::Tensor();
    k.mutable_grad() = at::Tensor();
    v.mutable_grad() = at::Tensor();

    const auto kk = k.repeat_interleave(H / Hkv, 1), vv = v.repeat_interleave(H / Hkv, 1);
    auto scores = at::matmul(q, kk.transpose(-1, -2));
    scores = scores.masked_fill(at::ones({T, T}, at::kBool).triu(1), -INFINITY);
    const auto weights = sigmoidBias ? at::sigmoid(scores + *sigmoidBias) : at::softmax(scores, -1);
    const auto reference = at::matmul(weights, vv);
    (reference * w).sum().backward();

    EXPECT_LT((fused - reference).abs().max().item<double>(), 1e-5);
    EXPECT_LT((dq - q.grad()).abs().max().item<double>(), 1e-4);
    EXPECT_LT((dk - k.grad()).abs().max().item<double>(), 1e-4);
    EXPECT_LT((dv - v.grad()).abs().max().item<double>(), 1e-4);
    EXPECT_GT(dk.abs().max().item<double>(), 0.1); // the gradients are not trivially zero
}

TEST(FusedAttention, SoftmaxMatchesReferenceForwardAndGradients) {
    expectFusedMatchesReference(std::nullopt);
}

TEST(FusedAttention, SigmoidMatchesReferenceForwardAndGradients) {
    expectFusedMatchesReference(-1.0f);
    expectFusedMatchesReference(-5.545f); // the sigmoid recipe's -log 256
}

// One head, three positions, head size 2: scores are q_i . k_j / sqrt(2).
struct SmallCase {
    at::Tensor q = at::tensor({1.0f, 0.0f, 0.5f, 1.0f, -1.0f, 2.0f}).view({1, 1, 3, 2});
    at::Tensor k = at::tensor({2.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}).view({1, 1, 3, 2});
    at::Tensor v = at::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}).view({1, 1, 3, 2});
    double z(int i, int j) const {
        const float* qp = q.data_ptr<float>() + 2 * i;
        const float* kp = k.data_ptr<float>() + 2 * j;
        return (qp[0] * kp[0] + qp[1] * kp[1]) / std::sqrt(2.0);
    }
};

class WeightGrabber : public ForwardObserver {
public:
    std::vector<float> w;
    bool wantsAttention(int, int) override { return true; }
    void onAttention(int, int, const MatrixView& m) override {
        for (std::int64_t r = 0; r < m.rows; ++r)
            w.insert(w.end(), m.row(r), m.row(r) + m.cols);
    }
};

std::vector<float> variantWeights(AttentionKind kind, float param, bool learned = false) {
    ModelConfig c;
    c.nHeads = c.nKvHeads = 1;
    c.headDim = 2;
    c.attention = kind;
    c.sinkLogit = param;
    c.sigmoidBias = param;
    SmallCase s;
    sd::AttentionInputs in{s.q, s.k, s.v, learned ? at::tensor({param}) : at::Tensor(), 0, 0};
    WeightGrabber g;
    sd::attend(c, in, &g);
    return g.w;
}

TEST(AttentionVariants, MatchHandComputedWeights) {
    SmallCase s;
    for (int i = 0; i < 3; ++i) {
        double softmaxDen = 0, sink0Den = std::exp(0.0), sinkLearnedDen = std::exp(-1.5);
        for (int j = 0; j <= i; ++j) {
            softmaxDen += std::exp(s.z(i, j));
            sink0Den += std::exp(s.z(i, j));
            sinkLearnedDen += std::exp(s.z(i, j));
        }
        const auto soft = variantWeights(AttentionKind::Softmax, 0);
        const auto sink0 = variantWeights(AttentionKind::SinkLogit, 0.0f);
        const auto learned = variantWeights(AttentionKind::SinkLogit, -1.5f, true);
        const auto sigm = variantWeights(AttentionKind::Sigmoid, -1.0f);
        for (int j = 0; j < 3; ++j) {
            const std::size_t at = static_cast<std::size_t>(i * 3 + j);
            if (j > i) {
                EXPECT_EQ(soft[at], 0.0f);
                EXPECT_EQ(sink0[at], 0.0f);
                EXPECT_EQ(sigm[at], 0.0f);
                continue;
            }
            EXPECT_NEAR(soft[at], std::exp(s.z(i, j)) / softmaxDen, 1e-6);
            EXPECT_NEAR(sink0[at], std::exp(s.z(i, j)) / sink0Den, 1e-6);
            EXPECT_NEAR(learned[at], std::exp(s.z(i, j)) / sinkLearnedDen, 1e-6);
            EXPECT_NEAR(sigm[at], 1.0 / (1.0 + std::exp(-(s.z(i, j) - 1.0))), 1e-6);
        }
    }
}

// Training a sigmoid model goes through the fused kernel; its loss and gradients are those of the
// general ATen path that inference (and the hand-computed case below) uses.
TEST(FusedAttention, SigmoidTrainingPathMatchesTheGeneralPath) {
    at::manual_seed(9);
    ModelConfig c;
    c.nHeads = 4;
    c.nKvHeads = 2;
    c.headDim = 8;
    c.attention = AttentionKind::Sigmoid;
    c.sigmoidBias = -2.0f;
    const std::int64_t T = 19;
    auto q = at::randn({1, 4, T, 8}).requires_grad_(true);
    auto k = at::randn({1, 2, T, 8}).requires_grad_(true);
    auto v = at::randn({1, 2, T, 8}).requires_grad_(true);
    WeightGrabber grab; // an observer sends attend() down the general path
    const auto general = sd::attend(c, {q, k, v, at::Tensor(), 0, 0}, &grab);
    const auto fused = sd::attend(c, {q, k, v, at::Tensor(), 0, 0}, nullptr);
    EXPECT_LT((general - fused).abs().max().item<double>(), 1e-5);
    general.sum().backward();
    const auto dGeneral = q.grad().clone();
    q.mutable_grad() = at::Tensor();
    fused.sum().backward();
    const auto dFused = q.grad();
    EXPECT_LT((dGeneral - dFused).abs().max().item<double>(), 1e-4);
    EXPECT_GT(dFused.abs().max().item<double>(), 0.01);
}

// `sinkscope-cli train` re-executes itself with sleeping idle threads (see app/cli/idle_threads.h)
// unless the user chose a policy, and says which one the run has.
TEST(TrainCli, RunsWithSleepingIdleThreadsUnlessTheUserChose) {
    Corpus corpus;
    TempDir runs;
    auto r = tinyRecipe();
    r.totalSteps = 2;
    r.checkpointEvery = 2;
    r.logEvery = 1;
    runs.write("recipe.json", trainConfigToJson(r));
    const auto args = [&](const std::string& run) {
        return "train --run " + runs.path(run) + " --recipe " + runs.path("recipe.json") + " --corpus " +
               corpus.dir.path("") + " --tokenizer " + corpus.dir.path("tokenizer.json");
    };
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("OPENBLAS_THREAD_TIMEOUT");
    const auto chosenForUs = test::runCli(args("passive"));
    EXPECT_EQ(chosenForUs.code, 0) << chosenForUs.out;
    EXPECT_NE(chosenForUs.out.find("OMP_WAIT_POLICY=PASSIVE"), std::string::npos) << chosenForUs.out;
    EXPECT_NE(chosenForUs.out.find("OPENBLAS_THREAD_TIMEOUT=4"), std::string::npos) << chosenForUs.out;
    EXPECT_NE(chosenForUs.out.find("step       2/2"), std::string::npos) << chosenForUs.out;

    setenv("OMP_WAIT_POLICY", "ACTIVE", 1); // the user's choice stays; the other variable is still set
    const auto chosenByUser = test::runCli(args("active"));
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("OPENBLAS_THREAD_TIMEOUT");
    EXPECT_EQ(chosenByUser.code, 0) << chosenByUser.out;
    EXPECT_NE(chosenByUser.out.find("OMP_WAIT_POLICY=ACTIVE"), std::string::npos) << chosenByUser.out;
    EXPECT_NE(chosenByUser.out.find("OPENBLAS_THREAD_TIMEOUT=4"), std::string::npos) << chosenByUser.out;
}

// `train --trace FILE` records each checkpoint's point in a trace file as it goes; on --resume it
// first stores the points of the earlier sessions, so the trace ends up with the run's whole
// timeline, the same as timeline.json.
TEST(TrainCli, RecordsTheTimelineInATraceFileAcrossAResume) {
    Corpus corpus;
    TempDir runs;
    auto r = tinyRecipe();
    r.totalSteps = 2;
    r.checkpointEvery = 2;
    runs.write("recipe.json", trainConfigToJson(r));
    const auto run = runs.path("tiny"), trace = runs.path("t.sqlite");
    auto first = test::runCli("train --run " + run + " --recipe " + runs.path("recipe.json") + " --corpus " +
                              corpus.dir.path("") + " --tokenizer " + corpus.dir.path("tokenizer.json") +
                              " --trace " + trace);
    ASSERT_EQ(first.code, 0) << first.out;
    EXPECT_NE(first.out.find("recording the timeline in " + trace + " as 'tiny'"), std::string::npos)
        << first.out;
    // The first session's points are also kept in the file: the resume below adds to them.
    ASSERT_TRUE(std::filesystem::remove(trace));
    auto second = test::runCli("train --run " + run + " --resume --total-steps 4 --trace " + trace +
                               " --trace-name tiny-run");
    ASSERT_EQ(second.code, 0) << second.out;

    auto json = readTimeline(run);
    ASSERT_TRUE(json.ok()) << json.error().message;
    ASSERT_GE(json->size(), 3u); // steps 0, 2 and 4
    EXPECT_EQ(json->back().step, 4);
    auto store = TraceStore::open(trace, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto stored = (*store)->loadTimeline("tiny-run");
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    ASSERT_EQ(stored->size(), json->size());
    for (std::size_t i = 0; i < json->size(); ++i) {
        EXPECT_EQ((*stored)[i].step, (*json)[i].step);
        EXPECT_EQ((*stored)[i].tokens, (*json)[i].tokens);
        EXPECT_DOUBLE_EQ((*stored)[i].valLoss, (*json)[i].valLoss);
        EXPECT_DOUBLE_EQ((*stored)[i].sinkRate, (*json)[i].sinkRate);
        EXPECT_EQ((*stored)[i].alpha0.size(), (*json)[i].alpha0.size());
        EXPECT_DOUBLE_EQ(largestAlpha0((*stored)[i].alpha0), largestAlpha0((*json)[i].alpha0));
    }

    auto bad = test::runCli("train --run " + runs.path("other") + " --recipe " + runs.path("recipe.json") +
                            " --corpus " + corpus.dir.path("") + " --trace " + corpus.dir.path("train.txt"));
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find("train.txt: not a SinkScope trace file"), std::string::npos) << bad.out;
    EXPECT_FALSE(std::filesystem::exists(runs.path("other")))
        << "a refused trace file must stop the run first";
}

} // namespace

TEST(Trainer, KeptCheckpointsAreModelsASweepExpandsInStepOrder) {
    Corpus corpus;
    TempDir runs;
    auto r = tinyRecipe();
    r.keepCheckpoints = true;
    ASSERT_TRUE(startTraining(runs.path("run"), corpus.inputs(r), {}).ok());
    for (const char* step : {"step-000004", "step-000008", "step-000012"}) {
        const std::string dir = runs.path(std::string("run/checkpoints/") + step);
        EXPECT_TRUE(fs::exists(dir + "/tokenizer.json")) << dir;
        EXPECT_FALSE(fs::exists(dir + "/optimizer.safetensors")) << dir;
        EXPECT_TRUE(Model::load(dir).ok()) << dir;
    }
    // The last one is the run's final model.
    EXPECT_EQ(weightsOf(runs.path("run/checkpoints/step-000012")), weightsOf(runs.path("run/checkpoint")));
    EXPECT_NE(weightsOf(runs.path("run/checkpoints/step-000004")), weightsOf(runs.path("run/checkpoint")));

    runs.write("p.txt", "the sink\n");
    const auto spec = runs.write("spec.json", R"({"models": ["run/checkpoints"], "prompts_file": "p.txt"})");
    auto s = readSweepSpec(spec);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->models, (std::vector<std::string>{runs.path("run/checkpoints/step-000004"),
                                                   runs.path("run/checkpoints/step-000008"),
                                                   runs.path("run/checkpoints/step-000012")}));
    // Without the key a run keeps its latest checkpoint only, as before.
    ASSERT_TRUE(startTraining(runs.path("plain"), corpus.inputs(tinyRecipe()), {}).ok());
    EXPECT_FALSE(fs::exists(runs.path("plain/checkpoints")));
}

// VAR on LLaVA prompts against the independent NumPy reference (tools/reference_var.py, goldens by
// tools/make_var_goldens.py): the visual sink tokens per layer (sink dimensions and phi on the
// unmodified run), the image-centric heads of the unmodified run, and the var:p=0.6 pass itself
// (logits and the modified attention of every head, greedy generation, and the desktop's
// PreparedPrompt path) for the three tiny LLaVA checkpoints.
#include "golden.h"
#include "intervene/intervention.h"
#include "llava_golden.h"
#include "model/image_input.h"
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "norm_recorder.h"
#include "session/image_prompt.h"
#include "session/prompt_metrics.h"
#include "test_paths.h"

#include <gtest/gtest.h>
#include <map>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr double kTol = 1e-4;

class VarGolden : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        base = loadArrays(dataPath(std::string("golden/") + GetParam() + ".safetensors"));
        var = loadArrays(dataPath(std::string("golden/") + GetParam() + "_var.safetensors"));
        auto m = Model::load(dataPath(std::string("models/") + GetParam()));
        ASSERT_TRUE(m.ok()) << m.error().message;
        model = std::move(m.value());
        const Array& pv = base["pixel_values"];
        ImageInput in{pv.values, static_cast<int>(pv.shape[0]), static_cast<int>(pv.shape[1]),
                      static_cast<int>(pv.shape[2])};
        auto e = encodeImage(*model, in);
        ASSERT_TRUE(e.ok()) << e.error().message;
        image = std::move(e.value());
        ids = var["token_ids"].ints;
        ASSERT_EQ(ids, base["token_ids"].ints);
    }
    Intervention varSpec() const {
        auto iv = parseIntervention("var:p=0.6");
        EXPECT_TRUE(iv.ok());
        return iv.value();
    }

    std::map<std::string, Array> base, var;
    std::unique_ptr<Model> model;
    ImageEmbeddings image;
    std::vector<std::int32_t> ids;
};

} // namespace

TEST_P(VarGolden, VisualSinkTokensMatchTheReference) {
    auto v = measureVisualSinks(*model, ids, image);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_NEAR(v->dimensions.tau, var["tau"].values[0], 1e-6);
    EXPECT_EQ(std::vector<std::int32_t>(v->dimensions.dims.begin(), v->dimensions.dims.end()),
              var["sink_dims"].ints);
    const auto& mask = var["visual_sinks"];
    const auto L = static_cast<std::size_t>(mask.shape[0]), T = static_cast<std::size_t>(mask.shape[1]);
    ASSERT_EQ(v->layers.size(), L);
    std::size_t imageSinks = 0;
    for (std::size_t l = 0; l < L; ++l) {
        std::vector<std::int64_t> expected;
        for (std::size_t t = 0; t < T; ++t)
            if (mask.ints[l * T + t]) expected.push_back(static_cast<std::int64_t>(t));
        EXPECT_EQ(v->layers[l], expected) << "layer " << l;
        imageSinks += expected.size() - 1;
    }
    EXPECT_GT(imageSinks, 0u) << "the fixture must have visual sink tokens beyond BOS to test anything";
}

// metrics --image: the image-centric heads of the unmodified run, scored against the visual sinks.
TEST_P(VarGolden, ImageCentricHeadsOfTheUnmodifiedRun) {
    auto v = measureVisualSinks(*model, ids, image);
    ASSERT_TRUE(v.ok()) << v.error().message;
    const auto span = imageSpanOf(*model, ids);
    EXPECT_EQ(span.first, var["image_positions"].ints[0]);
    EXPECT_EQ(span.last, var["image_positions"].ints[1]);
    BeyondOptions beyond;
    beyond.span = std::make_pair(span.first, span.last);
    beyond.spanSinks = v->layers;
    const auto& c = model->config();
    PromptMetricsObserver obs(c.nLayers, c.nHeads, beyond);
    ASSERT_TRUE(forwardWithImage(*model, ids, image, &obs).ok());
    std::vector<float> mass, ratio;
    std::vector<std::int32_t> selected;
    for (const auto& layer : obs.spanHeads())
        for (const auto& s : layer) {
            mass.push_back(static_cast<float>(s.mass));
            ratio.push_back(static_cast<float>(s.ratio));
            selected.push_back(s.selected ? 1 : 0);
        }
    EXPECT_LE(worstRelativeError(mass, var["base_mass"].values, kTol), 1.0);
    EXPECT_LE(worstRelativeError(ratio, var["base_ratio"].values, kTol), 1.0);
    EXPECT_EQ(selected, var["base_selected"].ints);
}

TEST_P(VarGolden, VarPassMatchesTheReference) {
    const auto T = static_cast<std::int64_t>(ids.size());
    const auto& c = model->config();
    NormRecorder rec(c.nLayers, c.nHeads, T);
    auto out = forwardWithImage(*model, ids, image, &rec, /*allLogits=*/true, {varSpec()});
    ASSERT_TRUE(out.ok()) << out.error().message;
    const double logits = worstRelativeError(out->logits, var["logits"].values, kTol);
    EXPECT_LE(logits, 1.0) << "logits";
    std::vector<float> attention;
    for (int layer = 0; layer < c.nLayers; ++layer)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto a = rec.matrix(layer, h, T);
            attention.insert(attention.end(), a.begin(), a.end());
        }
    const double att = worstRelativeError(attention, var["attention"].values, kTol);
    EXPECT_LE(att, 1.0) << "attention";
    std::printf("%s var worst / tolerance: logits %.4f, attention %.4f\n", GetParam(), logits, att);
    // VAR moved something: the logits are not the unmodified run's.
    EXPECT_GT(relativeMaxError(out->logits, base["logits"].values), 1e-3);

    GenerationOptions opt;
    opt.maxNewTokens = static_cast<int>(var["greedy_ids"].ints.size());
    opt.stopAtEos = false;
    auto gen = generateWithImage(*model, ids, image, opt, nullptr, {}, {varSpec()});
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    EXPECT_EQ(gen->generated, var["greedy_ids"].ints);
}

// The desktop's live toggles: the prompt held ready with its picture, VAR recomputed from the kept stream.
TEST_P(VarGolden, PreparedPromptWithAnImageRunsVar) {
    auto prepared = PreparedPrompt::create(*model, ids, nullptr, &image);
    ASSERT_TRUE(prepared.ok()) << prepared.error().message;
    const auto V = static_cast<std::size_t>(var["logits"].shape[1]);
    const std::vector<float> lastBase(base["logits"].values.end() - static_cast<std::ptrdiff_t>(V),
                                      base["logits"].values.end());
    const std::vector<float> lastVar(var["logits"].values.end() - static_cast<std::ptrdiff_t>(V),
                                     var["logits"].values.end());
    EXPECT_LE(worstRelativeError((*prepared)->baseLogits(), lastBase, kTol), 1.0);
    auto run = (*prepared)->run({varSpec()});
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_LE(worstRelativeError(run->logits, lastVar, kTol), 1.0);
    // Without its picture the prompt is refused, as a pass would be.
    auto blind = PreparedPrompt::create(*model, ids);
    ASSERT_FALSE(blind.ok());
}

INSTANTIATE_TEST_SUITE_P(Models, VarGolden,
                         ::testing::Values("tiny_llava", "tiny_llava_siglip_qwen2", "tiny_llava_layers",
                                           "tiny_llava_sinky"),
                         [](const auto& param) { return std::string(param.param); });

TEST(Var, SpecsParseAndNeedAnImage) {
    auto var = parseIntervention("var:p=0.5,layers=1,tau=3");
    ASSERT_TRUE(var.ok()) << var.error().message;
    EXPECT_EQ(var->kind, InterventionKind::Redistribute);
    EXPECT_TRUE(var->imageTarget && var->spanHeads);
    EXPECT_EQ(var->sinks.kind, SinkSetKind::Visual);
    EXPECT_DOUBLE_EQ(var->fraction, 0.5);
    EXPECT_DOUBLE_EQ(var->sinks.tau, 3.0);
    EXPECT_EQ(describeIntervention(*var),
              "VAR: p 0.5 of the mass of token 0 and the visual sink tokens (phi >= 3) moved to the other "
              "image tokens, layer 1, the image-centric heads");
    auto suppress = parseIntervention("suppress:sinks=visual");
    ASSERT_TRUE(suppress.ok());
    EXPECT_EQ(suppress->sinks.kind, SinkSetKind::Visual);
    auto to = parseIntervention("redistribute:to=image,heads=span");
    ASSERT_TRUE(to.ok());
    EXPECT_TRUE(to->imageTarget);

    auto badTau = parseIntervention("suppress:tau=3");
    ASSERT_FALSE(badTau.ok());
    EXPECT_EQ(badTau.error().message,
              "intervention \"suppress:tau=3\": tau goes with sinks=visual (the phi threshold of the visual "
              "sink tokens)");
    auto badKey = parseIntervention("var:to=3");
    ASSERT_FALSE(badKey.ok());
    EXPECT_EQ(badKey.error().message,
              "intervention \"var:to=3\": at \"to=3\": unknown key \"to\" (var takes p, layers, heads, tau)");
    auto zeroTau = parseIntervention("var:tau=0");
    ASSERT_FALSE(zeroTau.ok());

    auto m = Model::load(dataPath("models/tiny_llama"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto text = (*m)->forward({1, 2, 3}, nullptr, false, {*var});
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().message,
              "intervention \"var:p=0.5,layers=1,tau=3\": the prompt holds no image (it works on the image "
              "tokens of a LLaVA model's prompt: --image)");
}

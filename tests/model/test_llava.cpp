// LLaVA (image + text) against the independent NumPy reference (tools/reference_llava.py, goldens
// by tools/make_llava_fixtures.py): the language model over the prompt with the image spliced in — logits,
// attention per query head, hidden-state norms and greedy generation — for CLIP + Llama (llava-hf
// layout), SigLIP + Qwen2 (the newer layout, tied head) and a list of feature layers without
// projector biases. The text half must load and run exactly as the plain causal LM.
#include "golden.h"
#include "intervene/intervention.h"
#include "io/llava_weights.h"
#include "io/model_directory.h"
#include "io/safetensors_writer.h"
#include "llava_golden.h"
#include "model/image_input.h"
#include "model/model.h"
#include "norm_recorder.h"
#include "session/capture.h"
#include "session/visual_share.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr double kTol = 1e-4;

ImageInput pixelsOf(const Array& a) {
    ImageInput in;
    in.pixels = a.values;
    in.channels = static_cast<int>(a.shape[0]);
    in.height = static_cast<int>(a.shape[1]);
    in.width = static_cast<int>(a.shape[2]);
    return in;
}

class LlavaGolden : public ::testing::TestWithParam<const char*> {
protected:
    std::string modelPath() const { return dataPath(std::string("models/") + GetParam()); }
    std::map<std::string, Array> golden() const {
        return loadArrays(dataPath(std::string("golden/") + GetParam() + ".safetensors"));
    }
};

} // namespace

TEST_P(LlavaGolden, PromptWithImageMatchesReference) {
    auto g = golden();
    auto model = Model::load(modelPath());
    ASSERT_TRUE(model.ok()) << model.error().message;
    const Model& m = *model.value();
    const LlavaConfig* l = llavaConfig(m);
    ASSERT_NE(l, nullptr);
    auto image = encodeImage(m, pixelsOf(g["pixel_values"]));
    ASSERT_TRUE(image.ok()) << image.error().message;
    EXPECT_EQ(image->rows, l->imageTokens());
    EXPECT_LE(worstRelativeError(image->values, g["image_features"].values, kTol), 1.0);

    const auto& ids = g["token_ids"].ints;
    const auto T = static_cast<std::int64_t>(ids.size());
    const auto& c = m.config();
    NormRecorder rec(c.nLayers, c.nHeads, T);
    auto out = forwardWithImage(m, ids, *image, &rec, /*allLogits=*/true);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_EQ(out->rows, T);
    const double logits = worstRelativeError(out->logits, g["logits"].values, kTol);
    EXPECT_LE(logits, 1.0) << "logits";
    std::vector<float> attention;
    for (int layer = 0; layer < c.nLayers; ++layer)
        for (int h = 0; h < c.nHeads; ++h) {
            const auto a = rec.matrix(layer, h, T);
            attention.insert(attention.end(), a.begin(), a.end());
        }
    const double att = worstRelativeError(attention, g["attention"].values, kTol);
    EXPECT_LE(att, 1.0) << "attention";
    const double norms = worstRelativeError(rec.norms(), g["hidden_norms"].values, kTol);
    EXPECT_LE(norms, 1.0) << "hidden-state norms";
    std::printf("%s worst / tolerance: logits %.4f, attention %.4f, hidden norms %.4f\n", GetParam(), logits,
                att, norms);

    VisualShareObserver share(c.nLayers, c.nHeads, g["image_positions"].ints[0], g["image_positions"].ints[1],
                              T);
    ASSERT_TRUE(forwardWithImage(m, ids, *image, &share).ok());
    std::vector<float> shares;
    for (const auto& row : share.share())
        shares.insert(shares.end(), row.begin(), row.end());
    EXPECT_LE(worstRelativeError(shares, g["visual_share"].values, kTol), 1.0) << "visual share";

    GenerationOptions opt;
    opt.maxNewTokens = static_cast<int>(g["greedy_ids"].ints.size());
    opt.stopAtEos = false;
    auto gen = generateWithImage(m, ids, *image, opt, nullptr);
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    EXPECT_EQ(gen->generated, g["greedy_ids"].ints);
}

TEST_P(LlavaGolden, ImageTokenCountsMustMatch) {
    auto g = golden();
    auto model = Model::load(modelPath());
    ASSERT_TRUE(model.ok()) << model.error().message;
    const Model& m = *model.value();
    const auto id = llavaConfig(m)->imageTokenId;
    auto image = encodeImage(m, pixelsOf(g["pixel_values"]));
    ASSERT_TRUE(image.ok()) << image.error().message;
    auto ids = g["token_ids"].ints;
    ids.erase(std::find(ids.begin(), ids.end(), id)); // one image token short
    auto out = forwardWithImage(m, ids, *image, nullptr);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().message,
              fmt::format("the prompt holds {} image tokens (id {}) but the image gives {}", image->rows - 1,
                          id, image->rows));
    auto text = m.forward(g["token_ids"].ints, nullptr);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(
        text.error().message,
        fmt::format("the prompt holds {} image tokens (id {}) but no image was given", image->rows, id));
    ImageInput wrong = pixelsOf(g["pixel_values"]);
    wrong.width = wrong.height = 16;
    wrong.pixels.resize(3 * 16 * 16);
    auto bad = encodeImage(m, wrong);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message,
              "the image is 3x16x16 (channels x height x width); the vision tower takes 3x32x32");
}

// Interventions act on an image pass as on a text one: suppressing the first token's attention
// changes the logits with the image in place; a stream policy is refused for now.
TEST_P(LlavaGolden, InterventionsApplyToImagePasses) {
    auto g = golden();
    auto model = Model::load(modelPath());
    ASSERT_TRUE(model.ok()) << model.error().message;
    const Model& m = *model.value();
    auto image = encodeImage(m, pixelsOf(g["pixel_values"]));
    ASSERT_TRUE(image.ok()) << image.error().message;
    const auto& ids = g["token_ids"].ints;
    auto suppress = parseIntervention("suppress:layers=0");
    ASSERT_TRUE(suppress.ok());
    auto base = forwardWithImage(m, ids, *image, nullptr);
    auto changed = forwardWithImage(m, ids, *image, nullptr, false, {*suppress});
    ASSERT_TRUE(base.ok() && changed.ok()) << (changed.ok() ? "" : changed.error().message);
    EXPECT_LE(worstRelativeError(
                  base->logits,
                  std::vector<float>(g["logits"].values.end() - base->vocab, g["logits"].values.end()), kTol),
              1.0);
    EXPECT_GT(relativeMaxError(changed->logits, base->logits), 1e-3);
    auto stream = parseIntervention("stream:sinks=4,window=8");
    ASSERT_TRUE(stream.ok());
    auto refused = forwardWithImage(m, ids, *image, nullptr, false, {*stream});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message,
              "intervention \"stream:sinks=4,window=8\": a stream policy does not take an image yet");
}

INSTANTIATE_TEST_SUITE_P(Models, LlavaGolden,
                         ::testing::Values("tiny_llava", "tiny_llava_siglip_qwen2", "tiny_llava_layers",
                                           "tiny_llava_sinky"),
                         [](const auto& param) { return std::string(param.param); });

// The language model of a LLaVA checkpoint is the plain causal LM: written out as one (its
// text_config and its tensors under the causal-LM names), it gives the same logits on text.
TEST(Llava, TextHalfLoadsAsThePlainModel) {
    for (const char* name : {"tiny_llava", "tiny_llava_siglip_qwen2"}) {
        const std::string dir = dataPath(std::string("models/") + name);
        auto files = openModelFiles(dir);
        ASSERT_TRUE(files.ok()) << files.error().message;
        TempDir tmp;
        std::ifstream in(dir + "/config.json");
        const auto config = nlohmann::json::parse(in);
        tmp.write("config.json", config["text_config"].dump());
        std::vector<TensorToWrite> tensors;
        for (const auto& n : files->weights.names()) {
            const TensorRef* t = files->weights.find(n);
            tensors.push_back({n, t->dtype, t->shape, t->data});
        }
        ASSERT_TRUE(writeSafetensors(tmp.path("model.safetensors"), tensors).ok());
        auto plain = Model::load(tmp.path());
        ASSERT_TRUE(plain.ok()) << plain.error().message;
        auto llava = Model::load(dir);
        ASSERT_TRUE(llava.ok()) << llava.error().message;
        EXPECT_EQ(llavaConfig(*plain.value()), nullptr);
        const std::vector<std::int32_t> ids{3, 17, 42, 8, 60, 5};
        auto a = plain.value()->forward(ids, nullptr, true);
        auto b = llava.value()->forward(ids, nullptr, true);
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(a->logits, b->logits) << name;
        // A LLaVA model counts its image half too.
        EXPECT_EQ(plain.value()->parameterCount() +
                      llavaParameterCount(*llavaConfig(*llava.value()), llava.value()->config().dModel),
                  llava.value()->parameterCount())
            << name;
    }
}

// Hugging Face replaces an image token past the language model's vocabulary before the embedding
// lookup (the demo picture model's <image> is such a token): the same prompt with its image token
// renumbered to the vocabulary size must give the same logits and greedy answer.
TEST(Llava, ImageTokenOutsideTheVocabularyRunsAsInside) {
    auto g = loadArrays(dataPath("golden/tiny_llava.safetensors"));
    auto inside = Model::load(dataPath("models/tiny_llava"));
    ASSERT_TRUE(inside.ok()) << inside.error().message;
    const std::int32_t oldId = llavaConfig(**inside)->imageTokenId, newId = (*inside)->config().vocabSize;

    TempDir t;
    const std::string dir = t.path("oov");
    std::filesystem::copy(dataPath("models/tiny_llava"), dir);
    nlohmann::json cfg = nlohmann::json::parse(std::ifstream(dir + "/config.json"));
    cfg["image_token_index"] = newId;
    std::ofstream(dir + "/config.json") << cfg.dump(1);
    auto outside = Model::load(dir);
    ASSERT_TRUE(outside.ok()) << outside.error().message;
    ASSERT_EQ(llavaConfig(**outside)->imageTokenId, newId);

    auto ids = g["token_ids"].ints;
    auto image = encodeImage(**inside, pixelsOf(g["pixel_values"]));
    ASSERT_TRUE(image.ok()) << image.error().message;
    auto base = forwardWithImage(**inside, ids, *image, nullptr, /*allLogits=*/true);
    ASSERT_TRUE(base.ok()) << base.error().message;
    std::replace(ids.begin(), ids.end(), oldId, newId);
    auto out = forwardWithImage(**outside, ids, *image, nullptr, /*allLogits=*/true);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->logits, base->logits);
    GenerationOptions opt;
    opt.maxNewTokens = 4;
    opt.stopAtEos = false;
    auto gen = generateWithImage(**outside, ids, *image, opt, nullptr);
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    EXPECT_EQ(gen->generated,
              std::vector<std::int32_t>(g["greedy_ids"].ints.begin(), g["greedy_ids"].ints.begin() + 4));
    // Without the picture, the out-of-vocabulary id is still refused in one line.
    auto plain = (*outside)->forward(ids, nullptr);
    ASSERT_FALSE(plain.ok());
    EXPECT_NE(plain.error().message.find("no image was given"), std::string::npos) << plain.error().message;
}

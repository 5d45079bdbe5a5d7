// `--image FILE` on a LLaVA model: the word `image` in --token-ids or `<image>` in --prompt becomes
// the model's block of image tokens, the JSON names its positions, and the run equals the engine's
// own image pass over the same picture; metrics report the visual sink tokens and image-centric
// heads, compare and trace take the picture and var; a text-only model, a model without
// preprocessor_config.json and a prompt without the marker each get one line and exit 1.
#include "cli_run.h"
#include "intervene/intervention.h"
#include "metrics/output_effect.h"
#include "model/image_input.h"
#include "model/model.h"
#include "session/image_prompt.h"
#include "session/prompt_metrics.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "trace/trace_store.h"
#include "vision/image_decode.h"
#include "vision/image_preprocess.h"
#include "vision/image_processor_config.h"
#include <fstream>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

const std::string kPicture = dataPath("images/grey_23x37.png");

std::string lastLine(const std::string& s) {
    std::string t = s;
    while (!t.empty() && t.back() == '\n')
        t.pop_back();
    return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

// The tests' prompt (1,81,8,17,image,23,18,80,86) with kPicture, through the engine directly; a
// null model after a failure it has reported.
struct EnginePrompt {
    std::unique_ptr<Model> model;
    PromptImage image;
    std::vector<std::int32_t> ids{1, 81, 8, 17, 100, 23, 18, 80, 86};
};
EnginePrompt enginePrompt(const std::string& model) {
    EnginePrompt e;
    auto m = Model::load(model);
    auto image = m ? loadPromptImage(**m, model, kPicture) : Result<PromptImage>(m.error());
    if (!image) {
        ADD_FAILURE() << image.error().message;
        return e;
    }
    if (auto span = expandImageToken(**m, e.ids, image->embeddings.rows, "test"); !span) {
        ADD_FAILURE() << span.error().message;
        return e;
    }
    e.model = std::move(m.value());
    e.image = std::move(image.value());
    return e;
}

} // namespace

TEST(LlavaCli, ImageWordBecomesTheImageBlock) {
    const std::string model = dataPath("models/tiny_llava");
    const auto r = runCli("run --model " + model + " --token-ids 1,81,8,17,image,23,18,80,86 --image " +
                          kPicture + " --json -n 4");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_EQ(j["image_positions"], (nlohmann::json{4, 19}));
    ASSERT_EQ(j["visual_share"].size(), 2u);    // layers
    ASSERT_EQ(j["visual_share"][0].size(), 4u); // heads
    for (const auto& layer : j["visual_share"])
        for (const auto& v : layer)
            EXPECT_TRUE(v.get<double>() > 0 && v.get<double>() < 1) << v;
    const auto ids = j["token_ids"].get<std::vector<std::int32_t>>();
    ASSERT_EQ(ids.size(), 24u);
    for (std::size_t i = 4; i <= 19; ++i)
        EXPECT_EQ(ids[i], 100);
    EXPECT_EQ(ids[20], 23);

    // The same picture through the engine's API gives the same greedy continuation.
    auto m = Model::load(model);
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto config = loadImageProcessorConfig(model + "/preprocessor_config.json");
    auto rgb = decodeImage(kPicture);
    ASSERT_TRUE(config.ok() && rgb.ok());
    auto pixels = preprocessImage(*rgb, *config);
    ASSERT_TRUE(pixels.ok());
    auto image = encodeImage(*m.value(), {pixels->data, pixels->channels, pixels->height, pixels->width});
    ASSERT_TRUE(image.ok()) << image.error().message;
    GenerationOptions g;
    g.maxNewTokens = 4;
    auto gen = generateWithImage(*m.value(), ids, *image, g, nullptr);
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    EXPECT_EQ(j["generated_ids"].get<std::vector<std::int32_t>>(), gen->generated);
    // Another image (all zeros) changes the logits: the picture reaches the answer.
    auto other = image.value();
    for (auto& v : other.values)
        v = 0.0f;
    auto withImage = forwardWithImage(*m.value(), ids, *image, nullptr);
    auto withBlank = forwardWithImage(*m.value(), ids, other, nullptr);
    ASSERT_TRUE(withImage.ok() && withBlank.ok());
    EXPECT_NE(withImage->logits, withBlank->logits);
}

TEST(LlavaCli, RefusalsAreOneLine) {
    const auto textOnly = runCli("run --model " + dataPath("models/tiny_llama") +
                                 " --token-ids 1,2,image,3 --image " + kPicture);
    EXPECT_EQ(textOnly.code, 1);
    EXPECT_EQ(lastLine(textOnly.out),
              "sinkscope-cli: --image: " + dataPath("models/tiny_llama") +
                  " is a text-only model (model_type llama); only LLaVA models take an image");

    TempDir tmp;
    for (const char* f : {"config.json", "model.safetensors"})
        std::filesystem::copy_file(dataPath(std::string("models/tiny_llava/") + f), tmp.path(f));
    const auto noProcessor =
        runCli("run --model " + tmp.path() + " --token-ids 1,image,3 --image " + kPicture);
    EXPECT_EQ(noProcessor.code, 1);
    EXPECT_EQ(lastLine(noProcessor.out),
              "sinkscope-cli: --image: " + tmp.path() +
                  " has no preprocessor_config.json, so how to prepare a picture for "
                  "its vision tower is unknown");

    const std::string model = dataPath("models/tiny_llava");
    const auto noWord = runCli("run --model " + model + " --token-ids 1,2,3 --image " + kPicture);
    EXPECT_EQ(noWord.code, 1);
    EXPECT_EQ(lastLine(noWord.out), "sinkscope-cli: --token-ids must hold the word image once, where the "
                                    "picture goes (found it 0 times in '1,2,3')");
    const auto notImage =
        runCli("run --model " + model + " --token-ids 1,image,3 --image " + model + "/config.json");
    EXPECT_EQ(notImage.code, 1);
    EXPECT_NE(lastLine(notImage.out).find("config.json: not a PNG or JPEG image"), std::string::npos)
        << notImage.out;
    const auto noImage = runCli("run --model " + model + " --token-ids 1,100,3");
    EXPECT_EQ(noImage.code, 1);
    EXPECT_EQ(lastLine(noImage.out),
              "sinkscope-cli: the prompt holds 1 image tokens (id 100) but no image was given");
}

TEST(LlavaCli, ImageInPromptTextIsTheTokenizersImageToken) {
    const std::string model = dataPath("models/tiny_llava");
    const auto text = runCli("run --model " + model + " --prompt \"A <image> What is it?\" --image " +
                             kPicture + " --json");
    ASSERT_EQ(text.code, 0) << text.out;
    const auto j = jsonOf(text);
    // BOS (LlamaConfig's default 1), 'A', ' ', then the 16 image tokens.
    EXPECT_EQ(j["image_positions"], (nlohmann::json{3, 18}));
    const auto ids = j["token_ids"].get<std::vector<std::int32_t>>();
    ASSERT_EQ(ids.size(), 31u);
    EXPECT_EQ(ids[0], 1);
    EXPECT_EQ(ids[19], 3); // the space after <image>
    // The same prompt as ids gives the same answer.
    std::string list;
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (i < 3 || i > 18)
            list += (list.empty() ? "" : ",") + std::to_string(ids[i]);
        else if (i == 3)
            list += ",image";
    const auto asIds =
        runCli("run --model " + model + " --token-ids " + list + " --image " + kPicture + " --json");
    ASSERT_EQ(asIds.code, 0) << asIds.out;
    EXPECT_EQ(jsonOf(asIds)["token_ids"], j["token_ids"]);
    EXPECT_EQ(jsonOf(asIds)["next_token_topk"], j["next_token_topk"]);

    const auto none = runCli("run --model " + model + " --prompt \"What is it?\" --image " + kPicture);
    EXPECT_EQ(none.code, 1);
    EXPECT_EQ(lastLine(none.out),
              "sinkscope-cli: --prompt: the prompt has no image token (id 100): put <image> "
              "in the text, or the word image in a list of ids, where the picture goes");
    const auto two = runCli("run --model " + model + " --prompt \"<image><image>\" --image " + kPicture);
    EXPECT_EQ(two.code, 1);
    EXPECT_EQ(
        lastLine(two.out),
        "sinkscope-cli: --prompt: the prompt has 2 image tokens (id 100); one picture takes one <image>");
}

TEST(LlavaCli, MetricsReportVisualSinksAndImageCentricHeads) {
    const std::string model = dataPath("models/tiny_llava");
    const std::string ids = "1,81,8,17,image,23,18,80,86";
    const auto r =
        runCli("metrics --model " + model + " --token-ids " + ids + " --image " + kPicture + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_EQ(j["image_positions"], (nlohmann::json{4, 19}));
    EXPECT_EQ(j["image_grid"], (nlohmann::json{4, 4, 0}));
    EXPECT_EQ(j["span"], (nlohmann::json{4, 19}));

    // The engine's measures of the same picture and prompt.
    auto e = enginePrompt(model);
    ASSERT_TRUE(e.model);
    auto visual = measureVisualSinks(*e.model, e.ids, e.image.embeddings);
    ASSERT_TRUE(visual.ok()) << visual.error().message;
    ASSERT_EQ(j["visual_sink_tokens"].size(), visual->layers.size());
    for (std::size_t l = 0; l < visual->layers.size(); ++l)
        EXPECT_EQ(j["visual_sink_tokens"][l].get<std::vector<std::int64_t>>(),
                  imageSinkTokens(visual->layers[l], 4, 19));
    EXPECT_EQ(j["visual_sink_dims"]["dims"].get<std::vector<std::int64_t>>(), visual->dimensions.dims);
    BeyondOptions beyond;
    beyond.span = std::make_pair(std::int64_t{4}, std::int64_t{19});
    beyond.spanSinks = visual->layers;
    PromptMetricsObserver obs(e.model->config().nLayers, e.model->config().nHeads, beyond);
    ASSERT_TRUE(forwardWithImage(*e.model, e.ids, e.image.embeddings, &obs).ok());
    nlohmann::json selected = nlohmann::json::array();
    for (std::size_t l = 0; l < obs.spanHeads().size(); ++l)
        for (std::size_t h = 0; h < obs.spanHeads()[l].size(); ++h) {
            EXPECT_NEAR(j["span_heads"][l][h]["mass"].get<double>(), obs.spanHeads()[l][h].mass, 1e-9);
            if (obs.spanHeads()[l][h].selected) selected.push_back({l, h});
        }
    EXPECT_EQ(j["image_centric_heads"], selected);

    const auto human = runCli("metrics --model " + model + " --token-ids " + ids + " --image " + kPicture);
    ASSERT_EQ(human.code, 0) << human.out;
    EXPECT_NE(human.out.find("visual sink tokens (image tokens with phi >= 2.83"), std::string::npos)
        << human.out;
    EXPECT_NE(human.out.find("image-centric heads of tokens 4-19"), std::string::npos) << human.out;

    TempDir tmp;
    const auto prompts = tmp.path("prompts.txt");
    std::ofstream(prompts) << "ids: 1, 2\n";
    const auto file =
        runCli("metrics --model " + model + " --prompts-file " + prompts + " --image " + kPicture);
    EXPECT_EQ(file.code, 1);
    EXPECT_EQ(lastLine(file.out),
              "sinkscope-cli: metrics: --image takes one prompt (--prompt or --token-ids)");
    const auto span =
        runCli("metrics --model " + model + " --token-ids " + ids + " --image " + kPicture + " --span 1-2");
    EXPECT_EQ(span.code, 1);
    EXPECT_EQ(lastLine(span.out),
              "sinkscope-cli: metrics: --span and --image: the image is the span of its heads");
}

TEST(LlavaCli, CompareAndTraceTakeThePictureAndVar) {
    const std::string model = dataPath("models/tiny_llava");
    const std::string ids = "1,81,8,17,image,23,18,80,86";
    const auto c = runCli("compare --model " + model + " --token-ids " + ids + " --image " + kPicture +
                          " -i var:p=0.6 -n 3 --json");
    ASSERT_EQ(c.code, 0) << c.out;
    const auto j = jsonOf(c);
    EXPECT_EQ(j["image_positions"], (nlohmann::json{4, 19}));

    // The intervened next-token distribution is the engine's VAR pass over the same picture.
    auto e = enginePrompt(model);
    ASSERT_TRUE(e.model);
    auto var = parseIntervention("var:p=0.6");
    ASSERT_TRUE(var.ok());
    auto base = forwardWithImage(*e.model, e.ids, e.image.embeddings, nullptr);
    auto after = forwardWithImage(*e.model, e.ids, e.image.embeddings, nullptr, false, {*var});
    ASSERT_TRUE(base.ok() && after.ok());
    const auto effect = nextTokenEffect(base->logits.data(), after->logits.data(), base->vocab, 5);
    EXPECT_NEAR(j["kl"].get<double>(), effect.kl, 1e-6) << j.dump();
    EXPECT_GT(effect.kl, 0.0);

    TempDir tmp;
    const auto db = tmp.path("t.sqlite");
    const auto t = runCli("trace --model " + model + " --token-ids " + ids + " --image " + kPicture +
                          " -i var --db " + db + " -n 2 --json");
    ASSERT_EQ(t.code, 0) << t.out;
    const auto runIds = jsonOf(t)["run_ids"].get<std::vector<std::int64_t>>();
    ASSERT_EQ(runIds.size(), 2u); // base and intervened
    auto store = TraceStore::open(db, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (auto id : runIds) {
        auto run = (*store)->loadRun(id);
        ASSERT_TRUE(run.ok()) << run.error().message;
        const auto settings = nlohmann::json::parse(run->settingsJson);
        EXPECT_EQ(settings["image"]["path"], kPicture);
        EXPECT_EQ(settings["image"]["positions"], (nlohmann::json{4, 19}));
        EXPECT_EQ(settings["image"]["grid"], (nlohmann::json{4, 4}));
    }

    const auto noImage = runCli("run --model " + model + " --token-ids 1,2,3 -i var");
    EXPECT_EQ(noImage.code, 1);
    EXPECT_EQ(
        lastLine(noImage.out),
        "sinkscope-cli: intervention \"var\": the prompt holds no image (it works on the image tokens of a "
        "LLaVA model's prompt: --image)");
}

TEST(LlavaCli, OverlayOutDrawsTheQuerysAttentionOverThePicture) {
    const std::string model = dataPath("models/tiny_llava");
    const std::string ids = "1,81,8,17,image,23,18,80,86";
    TempDir tmp;
    for (const char* heads : {"mean", "image-centric", "2"}) {
        const auto out = tmp.path(std::string("overlay-") + heads + ".png");
        const auto r =
            runCli("run --model " + model + " --token-ids " + ids + " --image " + kPicture +
                   " --overlay-out " + out + " --overlay-layer 1 --overlay-heads " + heads + " -i var");
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_GT(std::filesystem::file_size(out), 1000u) << heads;
    }
    const auto svg = tmp.path("overlay.svg");
    ASSERT_EQ(runCli("run --model " + model + " --token-ids " + ids + " --image " + kPicture +
                     " --overlay-out " + svg)
                  .code,
              0);
    std::ifstream in(svg);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("query 23"), std::string::npos); // the title names the query (the last token)

    const auto noImage = runCli("run --model " + model + " --token-ids 1,2,3 --overlay-out " + svg);
    EXPECT_EQ(noImage.code, 1);
    EXPECT_EQ(lastLine(noImage.out),
              "sinkscope-cli: --overlay-out draws attention over a picture: give --image FILE");
    const auto badHead = runCli("run --model " + model + " --token-ids " + ids + " --image " + kPicture +
                                " --overlay-out " + svg + " --overlay-heads 9");
    EXPECT_EQ(badHead.code, 1);
    EXPECT_EQ(lastLine(badHead.out), "sinkscope-cli: --overlay-heads 9: a head 0-3, mean or image-centric");
    const auto badQuery = runCli("run --model " + model + " --token-ids " + ids + " --image " + kPicture +
                                 " --overlay-out " + svg + " --overlay-query 10");
    EXPECT_EQ(badQuery.code, 1);
    EXPECT_EQ(lastLine(badQuery.out), "sinkscope-cli: --overlay-query 10: a token after the picture, 20-23");
}

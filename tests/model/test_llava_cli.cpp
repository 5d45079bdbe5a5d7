// `sinkscope-cli run --image FILE` on a LLaVA model: the word `image` in --token-ids becomes the
// model's block of image tokens, the JSON names its positions, and the run equals the engine's own
// image pass over the same picture; a text-only model, a model without preprocessor_config.json
// and a prompt without the word each get one line and exit 1.
#include "cli_run.h"
#include "model/image_input.h"
#include "model/model.h"
#include "temp_dir.h"
#include "test_paths.h"
#include "vision/image_decode.h"
#include "vision/image_preprocess.h"
#include "vision/image_processor_config.h"

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
              "sinkscope-cli: run: --image: " + dataPath("models/tiny_llama") +
                  " is a text-only model (model_type llama); only LLaVA models take an image");

    TempDir tmp;
    for (const char* f : {"config.json", "model.safetensors"})
        std::filesystem::copy_file(dataPath(std::string("models/tiny_llava/") + f), tmp.path(f));
    const auto noProcessor =
        runCli("run --model " + tmp.path() + " --token-ids 1,image,3 --image " + kPicture);
    EXPECT_EQ(noProcessor.code, 1);
    EXPECT_EQ(lastLine(noProcessor.out),
              "sinkscope-cli: run: --image: " + tmp.path() +
                  " has no preprocessor_config.json, so how to prepare a picture for "
                  "its vision tower is unknown");

    const std::string model = dataPath("models/tiny_llava");
    const auto noWord = runCli("run --model " + model + " --token-ids 1,2,3 --image " + kPicture);
    EXPECT_EQ(noWord.code, 1);
    EXPECT_EQ(lastLine(noWord.out),
              "sinkscope-cli: run: --token-ids must hold the word image once, where the "
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

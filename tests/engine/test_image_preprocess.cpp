// CLIP and SigLIP pixel values against the reference of tools/make_image_fixtures.py (PIL's
// bicubic resize and transformers' crop, rescale and normalise restated in NumPy), and the
// parsing of preprocessor_config.json.
#include "npy.h"
#include "test_paths.h"
#include "vision/image_preprocess.h"
#include "vision/image_resize.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sinkscope {
namespace {

// llava-1.5's file as published; the 224 case relies on CLIPImageProcessor's defaults.
constexpr const char* kClip336 = R"({
  "crop_size": {"height": 336, "width": 336}, "do_center_crop": true, "do_convert_rgb": true,
  "do_normalize": true, "do_rescale": true, "do_resize": true,
  "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "CLIPImageProcessor",
  "image_std": [0.26862954, 0.26130258, 0.27577711], "processor_class": "LlavaProcessor",
  "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 336}})";
constexpr const char* kClip224 = R"({"image_processor_type": "CLIPImageProcessor"})";
constexpr const char* kSiglip384 = R"({
  "do_normalize": true, "do_rescale": true, "do_resize": true, "image_mean": [0.5, 0.5, 0.5],
  "image_processor_type": "SiglipImageProcessor", "image_std": [0.5, 0.5, 0.5],
  "processor_class": "LlavaProcessor", "resample": 3, "rescale_factor": 0.00392156862745098,
  "size": {"height": 384, "width": 384}})";

struct Case {
    const char* image;
    const char* processor;
    const char* config;
    int side;
};

class PixelValuesMatchReference : public ::testing::TestWithParam<Case> {};

TEST_P(PixelValuesMatchReference, WithinOneHundredThousandth) {
    const Case& c = GetParam();
    auto config = parseImageProcessorConfig(c.config, "preprocessor_config.json");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto image = decodeImage(test::dataPath(std::string("images/") + c.image));
    ASSERT_TRUE(image.ok()) << image.error().message;
    auto pixels = preprocessImage(*image, *config);
    ASSERT_TRUE(pixels.ok()) << pixels.error().message;
    const test::NpyArray ref =
        test::loadNpy(test::dataPath(std::string("images/") + c.image + "." + c.processor + ".npy.gz"));
    ASSERT_EQ(ref.shape, (std::vector<std::int64_t>{3, c.side, c.side}));
    ASSERT_EQ(pixels->height, c.side);
    ASSERT_EQ(pixels->width, c.side);
    const std::vector<float> expected = ref.floats();
    ASSERT_EQ(pixels->data.size(), expected.size());
    double worst = 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
        worst = std::max(worst, std::abs(double(pixels->data[i]) - expected[i]));
    RecordProperty("max_abs_difference", ::testing::PrintToString(worst));
    EXPECT_LE(worst, 1e-5) << c.image << " " << c.processor;
}

INSTANTIATE_TEST_SUITE_P(Processors, PixelValuesMatchReference,
                         ::testing::Values(Case{"photo_480x360.jpg", "clip336", kClip336, 336},
                                           Case{"photo_480x360.jpg", "clip224", kClip224, 224},
                                           Case{"rgba_37x23.png", "siglip384", kSiglip384, 384},
                                           Case{"rgb_15x15.jpg", "clip224", kClip224, 224}));

TEST(ImagePreprocess, ShortestEdgeSizeTruncatesLikeTransformers) {
    auto config = parseImageProcessorConfig(kClip336, "p.json");
    ASSERT_TRUE(config.ok());
    const Size2 wide = resizedSize(*config, 480, 360); // int(336 * 480 / 360) = 448
    EXPECT_EQ(wide.height, 336);
    EXPECT_EQ(wide.width, 448);
    const Size2 tall = resizedSize(*config, 23, 37); // int(336 * 37 / 23) = 540 (540.52...)
    EXPECT_EQ(tall.height, 540);
    EXPECT_EQ(tall.width, 336);
}

TEST(ImagePreprocess, CropLargerThanImagePadsWithZeros) {
    // image_transforms.center_crop: a 3x2 image in a 4x4 crop sits ceil(2/2) = 1 row down and
    // ceil(1/2) = 1 column right; the rest is zero.
    ImageProcessorConfig config;
    config.doResize = false;
    config.doRescale = false;
    config.doNormalize = false;
    config.cropHeight = config.cropWidth = 4;
    RgbImage image{3, 2, std::vector<std::uint8_t>(18, 7)};
    auto pixels = preprocessImage(image, config);
    ASSERT_TRUE(pixels.ok());
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            const bool inside = y >= 1 && y <= 2 && x >= 1 && x <= 3;
            EXPECT_EQ(pixels->data[static_cast<std::size_t>(y * 4 + x)], inside ? 7.0f : 0.0f)
                << y << "," << x;
        }
}

TEST(ImagePreprocess, SameSizeResizeIsACopy) {
    RgbImage image{5, 4, {}};
    for (int i = 0; i < 60; ++i)
        image.rgb.push_back(static_cast<std::uint8_t>(i * 37));
    EXPECT_EQ(resizeBicubic(image, 5, 4).rgb, image.rgb);
    const RgbImage flat = resizeBicubic(RgbImage{2, 2, std::vector<std::uint8_t>(12, 200)}, 7, 3);
    EXPECT_EQ(flat.rgb, std::vector<std::uint8_t>(63, 200)); // weights sum to one: flat stays flat
}

TEST(ImageProcessorConfig, DefaultsPerProcessor) {
    auto clip = parseImageProcessorConfig(kClip224, "p.json");
    ASSERT_TRUE(clip.ok());
    EXPECT_EQ(clip->shortestEdge, 224);
    EXPECT_TRUE(clip->doCenterCrop);
    EXPECT_DOUBLE_EQ(clip->imageStd[0], 0.26862954);
    auto siglip = parseImageProcessorConfig(R"({"image_processor_type": "SiglipImageProcessor"})", "p.json");
    ASSERT_TRUE(siglip.ok());
    EXPECT_EQ(siglip->kind, ImageProcessorKind::Siglip);
    EXPECT_EQ(siglip->shortestEdge, 0);
    EXPECT_EQ(siglip->height, 224);
    EXPECT_DOUBLE_EQ(siglip->imageMean[2], 0.5);
    auto legacy = parseImageProcessorConfig(R"({"feature_extractor_type": "CLIPFeatureExtractor", "size": 336,
                                                "crop_size": 336})",
                                            "p.json");
    ASSERT_TRUE(legacy.ok()) << legacy.error().message;
    EXPECT_EQ(legacy->shortestEdge, 336);
    EXPECT_EQ(legacy->cropWidth, 336);
}

TEST(ImageProcessorConfig, BadFieldsNameFileFieldAndValue) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"image_processor_type": "ViTImageProcessor"})",
         "p.json: image_processor_type: \"ViTImageProcessor\" is not supported"},
        {R"({"size": 224})", "p.json: image_processor_type: missing"},
        {R"({"image_processor_type": "CLIPImageProcessor", "resample": 2})",
         "p.json: resample: 3 (PIL bicubic"},
        {R"({"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": -1}})",
         "p.json: size.shortest_edge: a whole number of pixels from 1 to 8192 expected, got -1"},
        {R"({"image_processor_type": "SiglipImageProcessor", "size": {"shortest_edge": 384}})",
         "p.json: size: "},
        {R"({"image_processor_type": "CLIPImageProcessor", "image_std": [0.5, 0, 0.5]})",
         "p.json: image_std: "},
        {R"({"image_processor_type": "CLIPImageProcessor", "image_mean": [0.5, 0.5]})",
         "p.json: image_mean: "},
        {R"({"image_processor_type": "CLIPImageProcessor", "do_resize": "yes"})",
         "p.json: do_resize: true or false expected, got \"yes\""},
        {R"({"image_processor_type": "CLIPImageProcessor", "rescale_factor": 0})",
         "p.json: rescale_factor: "},
        {"[1, 2]", "p.json: a JSON object expected"},
        {"{not json", "p.json: not valid JSON"},
    };
    for (const auto& [text, fragment] : cases) {
        auto config = parseImageProcessorConfig(text, "p.json");
        ASSERT_FALSE(config.ok()) << text;
        EXPECT_NE(config.error().message.find(fragment), std::string::npos) << config.error().message;
        EXPECT_EQ(config.error().message.find('\n'), std::string::npos) << config.error().message;
    }
    auto missing = loadImageProcessorConfig(test::dataPath("images/no_preprocessor_config.json"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("no_preprocessor_config.json"), std::string::npos);
}

} // namespace
} // namespace sinkscope

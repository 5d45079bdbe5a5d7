// What a trace keeps of a LLaVA run's picture: base64 (RFC 4648's vectors, any bytes round trip,
// malformed text refused), PNG writing (read back pixel for pixel by the decoder), the thumbnail's
// box shrink, and the settings record read back with every malformed field refused in one line.
#include "core/base64.h"
#include "trace/stored_picture.h"
#include "vision/image_decode.h"
#include "vision/png_encode.h"

#include <gtest/gtest.h>
#include <random>

using namespace sinkscope;

TEST(Base64, MatchesTheRfcVectorsAndRoundTrips) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, coded] : vectors) {
        EXPECT_EQ(base64Encode(plain), coded);
        auto back = base64Decode(coded);
        ASSERT_TRUE(back.ok()) << coded;
        EXPECT_EQ(*back, plain);
    }
    std::mt19937 rng(7);
    for (int n = 0; n < 64; ++n) {
        std::string bytes(static_cast<std::size_t>(n), '\0');
        for (auto& c : bytes)
            c = static_cast<char>(rng() & 0xff);
        auto back = base64Decode(base64Encode(bytes));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, bytes);
    }
    for (const char* bad : {"Zg=", "Z===", "Zg=a", "Zm9v!A==", "=Zm9"})
        EXPECT_FALSE(base64Decode(bad).ok()) << bad;
}

TEST(PngEncode, DecodesBackToTheSamePixels) {
    RgbImage img;
    img.width = 7;
    img.height = 5;
    for (int i = 0; i < 7 * 5 * 3; ++i)
        img.rgb.push_back(static_cast<std::uint8_t>(i * 37 % 256));
    auto png = encodePng(img);
    ASSERT_TRUE(png.ok()) << png.error().message;
    auto back = decodeImageBytes(*png, "t.png");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->width, 7);
    EXPECT_EQ(back->height, 5);
    EXPECT_EQ(back->rgb, img.rgb);
    RgbImage empty;
    EXPECT_FALSE(encodePng(empty).ok());
}

TEST(PngEncode, ShrinkAveragesTheCoveredPixels) {
    RgbImage img;
    img.width = 4;
    img.height = 2;
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 4; ++x)
            for (int c = 0; c < 3; ++c)
                img.rgb.push_back(static_cast<std::uint8_t>(10 * x + 100 * y + c));
    const auto small = shrinkImage(img, 2);
    ASSERT_EQ(small.width, 2);
    ASSERT_EQ(small.height, 1);
    // Pixel 0 covers x 0-1, y 0-1: mean of 0, 10, 100, 110 (+ channel) = 55.
    EXPECT_EQ(small.rgb[0], 55);
    EXPECT_EQ(small.rgb[1], 56);
    EXPECT_EQ(small.rgb[3], 75);                 // x 2-3
    EXPECT_EQ(shrinkImage(img, 8).rgb, img.rgb); // small enough already
}

namespace {

RgbImage picture(int w, int h) {
    RgbImage img;
    img.width = w;
    img.height = h;
    for (int i = 0; i < w * h * 3; ++i)
        img.rgb.push_back(static_cast<std::uint8_t>(i % 251));
    return img;
}

std::string settingsWith(const nlohmann::json& image) {
    return nlohmann::json{{"max_new_tokens", 0}, {"image", image}}.dump();
}

} // namespace

TEST(StoredPicture, ReadsBackWhatWasWritten) {
    StoredPicture meta{"/pictures/cat.png", 3, 18, 4, 4, 0, {{5, 9}, {}}, {}};
    auto j = pictureSettings(meta, picture(336, 300));
    ASSERT_TRUE(j.ok()) << j.error().message;
    auto back = readStoredPicture(settingsWith(*j), 24, 2);
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_TRUE(back->has_value());
    const StoredPicture& p = **back;
    EXPECT_EQ(p.path, "/pictures/cat.png");
    EXPECT_EQ(p.first, 3);
    EXPECT_EQ(p.last, 18);
    EXPECT_EQ(p.gridRows, 4);
    EXPECT_EQ(p.visualSinks, meta.visualSinks);
    EXPECT_EQ(p.thumbnail.width, kThumbnailSide); // the longer side
    EXPECT_EQ(p.thumbnail.height, 300 * kThumbnailSide / 336);

    auto none = readStoredPicture(R"({"max_new_tokens": 4})", 24, 2);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
}

TEST(StoredPicture, RefusesWhatDoesNotHoldTogether) {
    StoredPicture meta{"p.png", 3, 18, 4, 4, 0, {}, {}};
    auto good = pictureSettings(meta, picture(32, 32));
    ASSERT_TRUE(good.ok());
    auto refused = [&](const char* key, nlohmann::json value) {
        nlohmann::json j = *good;
        j[key] = std::move(value);
        auto r = readStoredPicture(settingsWith(j), 24, 2);
        return r.ok() ? std::string() : r.error().message;
    };
    EXPECT_EQ(refused("positions", {3, 30}),
              "the run's picture: positions 3-30 do not lie in the run's 24 tokens");
    EXPECT_EQ(refused("grid", {4, 5}),
              "the run's picture: a 4x5 grid with 0 leading tokens is not the block of 16 tokens");
    EXPECT_EQ(refused("grid", "4x4"), "the run's picture: grid is not [rows, cols]");
    EXPECT_EQ(refused("visual_sinks", {{1}}),
              "the run's picture: a visual sink token outside the picture's block");
    EXPECT_EQ(refused("visual_sinks", {{}, {}, {}}),
              "the run's picture: more visual-sink layers than layers");
    EXPECT_NE(refused("thumbnail_png", "abc"), "");
    EXPECT_NE(refused("thumbnail_png", base64Encode("not a png")).find("not a PNG or JPEG"),
              std::string::npos);
    auto notObject = readStoredPicture(R"({"image": 3})", 24, 2);
    EXPECT_FALSE(notObject.ok());
}

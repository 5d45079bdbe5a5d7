// PNG and JPEG decoding against PIL 9.4's Image.open(p).convert("RGB") on the committed files of
// tools/make_image_fixtures.py (bit for bit), and the refusals of files that are no image.
#include "npy.h"
#include "test_paths.h"
#include "vision/image_decode.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace sinkscope {
namespace {

std::string imagePath(const std::string& name) {
    return test::dataPath("images/" + name);
}

std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class DecodeMatchesPil : public ::testing::TestWithParam<const char*> {};

TEST_P(DecodeMatchesPil, BitForBit) {
    const std::string name = GetParam();
    auto image = decodeImage(imagePath(name));
    ASSERT_TRUE(image.ok()) << image.error().message;
    const test::NpyArray ref = test::loadNpy(imagePath(name + ".rgb.npy.gz"));
    ASSERT_EQ(ref.dtype, "|u1");
    ASSERT_EQ(ref.shape, (std::vector<std::int64_t>{image->height, image->width, 3}));
    int differing = 0, worst = 0;
    for (std::size_t i = 0; i < ref.bytes.size(); ++i) {
        const int d = std::abs(int(image->rgb[i]) - int(ref.bytes[i]));
        differing += d != 0;
        worst = std::max(worst, d);
    }
    EXPECT_EQ(differing, 0) << name << ": largest difference " << worst;
}

INSTANTIATE_TEST_SUITE_P(Images, DecodeMatchesPil,
                         ::testing::Values("rgb_37x23.png", "rgba_37x23.png", "grey_23x37.png",
                                           "bw_37x23.png", "palette_37x23.png", "palette_short_5x3.png",
                                           "greyalpha_15x15.png", "grey16_11x9.png", "rgb16_11x9.png",
                                           "rgba16_11x9.png", "rgb420_37x23.jpg", "rgb444_37x23.jpg",
                                           "progressive_61x45.jpg", "grey_45x61.jpg", "cmyk_37x23.jpg",
                                           "rgb_15x15.jpg", "interlaced_13x11.png"));

TEST(ImageDecode, FromMemoryEqualsFromFile) {
    const std::string path = imagePath("cmyk_37x23.jpg");
    auto fromFile = decodeImage(path);
    auto fromMemory = decodeImageBytes(fileBytes(path), "in memory");
    ASSERT_TRUE(fromFile.ok() && fromMemory.ok());
    EXPECT_EQ(fromMemory->width, 37);
    EXPECT_EQ(fromMemory->height, 23);
    EXPECT_EQ(fromMemory->rgb, fromFile->rgb);
}

// Every refusal is one line that names the file.
void expectRefused(const std::string& name, const std::string& fragment) {
    auto image = decodeImage(imagePath(name));
    ASSERT_FALSE(image.ok()) << name;
    const std::string& message = image.error().message;
    EXPECT_NE(message.find(imagePath(name)), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ImageDecode, RefusesFilesThatAreNoImage) {
    expectRefused("not_an_image.png", "not a PNG or JPEG image (starts with 'GIF8')");
    auto empty = decodeImageBytes("", "empty.png");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message, "empty.png: empty file, not a PNG or JPEG image");
    auto missing = decodeImage(imagePath("no_such_file.png"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("no_such_file.png"), std::string::npos);
}

TEST(ImageDecode, RefusesTruncatedFiles) {
    expectRefused("truncated.png", "truncated PNG");
    expectRefused("truncated.jpg", "truncated JPEG");
    // Every prefix of a small file: refused or decoded, never a crash.
    const std::string whole = fileBytes(imagePath("progressive_61x45.jpg"));
    for (std::size_t n = 0; n < whole.size(); n += 7)
        (void)decodeImageBytes(whole.substr(0, n), "prefix");
}

TEST(ImageDecode, RefusesEmptyAndHugeImagesBeforeAllocating) {
    expectRefused("zero_size.png", "0x0 pixels: an image needs at least one pixel");
    expectRefused("zero_height.jpg", "invalid JPEG: Empty JPEG image");
    // 20000 x 20000 RGB would be 1.2 GB; the headers are all these files hold.
    expectRefused("huge_20000x20000.png", "20000x20000 pixels is larger than the 16384-pixel side limit");
    expectRefused("huge_20000x20000.jpg", "20000x20000 pixels is larger than the 16384-pixel side limit");
    DecodeLimits small;
    small.maxPixels = 500;
    auto image = decodeImage(imagePath("rgb_37x23.png"), small);
    ASSERT_FALSE(image.ok());
    EXPECT_NE(image.error().message.find("37x23 pixels is more than the limit of 500 pixels"),
              std::string::npos)
        << image.error().message;
}

TEST(ImageDecode, RefusesCorruptData) {
    std::string png = fileBytes(imagePath("rgb_37x23.png"));
    png[png.size() / 2] ^= 0x5a; // inside the compressed data: the chunk's CRC no longer matches
    auto image = decodeImageBytes(png, "corrupt.png");
    ASSERT_FALSE(image.ok());
    EXPECT_NE(image.error().message.find("corrupt.png: invalid PNG: "), std::string::npos)
        << image.error().message;
    auto jpeg = decodeImageBytes(std::string("\xff\xd8\xff\xe0garbage", 11), "garbage.jpg");
    ASSERT_FALSE(jpeg.ok());
    EXPECT_NE(jpeg.error().message.find("garbage.jpg: "), std::string::npos) << jpeg.error().message;
}

} // namespace
} // namespace sinkscope

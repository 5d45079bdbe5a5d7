#pragma once
// PNG and JPEG files decoded to 8-bit RGB, pixel for pixel what PIL 9.4's
// Image.open(path).convert("RGB") gives (the reference Hugging Face's image processors start from):
// greyscale is repeated into the three channels, alpha is dropped without compositing, palettes
// are looked up, CMYK JPEGs are converted with PIL's formula. Width and height are read from the
// header and checked against limits before any pixel memory is allocated, so a crafted header
// cannot make the reader allocate gigabytes.
#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb; // height rows of width pixels, R G B interleaved (HWC)
};

// The largest image a decoder accepts. The defaults admit any photograph a user will drop in
// (100 megapixels is 300 MB of RGB); the fuzz target lowers them to stay fast.
struct DecodeLimits {
    int maxSide = 16384;
    std::int64_t maxPixels = 100'000'000;
};

// Errors are one line naming the file: "a.png: not a PNG or JPEG image (starts with 'GIF8')",
// "a.png: 20000x20000 pixels is larger than the 16384-pixel side limit", "b.jpg: truncated: ...".
Result<RgbImage> decodeImage(const std::string& path, const DecodeLimits& limits = {});

// The same for bytes already in memory; `name` stands for the file in messages.
Result<RgbImage> decodeImageBytes(std::string_view bytes, const std::string& name,
                                  const DecodeLimits& limits = {});

} // namespace sinkscope

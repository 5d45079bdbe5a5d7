// An image a user drops on the app or names with --image: decodeImageBytes (PNG through libpng,
// JPEG through libjpeg-turbo, errors by longjmp), then CLIP and SigLIP preprocessing of what it
// decodes. Limits far below the defaults keep each input fast; the header check is the same code.
#include "fuzz_support.h"
#include "targets.h"
#include "vision/image_decode.h"
#include "vision/image_preprocess.h"

#include <cmath>
#include <cstdlib>

namespace sinkscope::fuzz {

namespace {

// Every value lies between what black and white normalise to.
void checkPixels(const PixelValues& p, const ImageProcessorConfig& c) {
    if (p.data.size() != static_cast<std::size_t>(p.height) * static_cast<std::size_t>(p.width) * 3)
        std::abort();
    const std::size_t plane = p.data.size() / 3;
    for (std::size_t i = 0; i < p.data.size(); ++i) {
        const std::size_t ch = i / plane;
        const double lo = (0.0 - c.imageMean[ch]) / c.imageStd[ch];
        const double hi = (1.0 - c.imageMean[ch]) / c.imageStd[ch];
        if (!(p.data[i] >= lo - 1e-4 && p.data[i] <= hi + 1e-4)) std::abort();
    }
}

} // namespace

Outcome image(const std::uint8_t* data, std::size_t size) {
    DecodeLimits limits;
    limits.maxSide = 4096;
    limits.maxPixels = 1 << 20;
    auto decoded = decodeImageBytes(asText(data, size), "/images/input", limits);
    if (!decoded) return decoded.error().message;
    const RgbImage& img = *decoded;
    if (img.width < 1 || img.height < 1 || img.width > limits.maxSide || img.height > limits.maxSide ||
        img.rgb.size() != static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3)
        std::abort();
    ImageProcessorConfig clip; // CLIP's steps at a small size: shortest edge 24, crop 16
    clip.shortestEdge = 24;
    clip.cropHeight = clip.cropWidth = 16;
    auto a = preprocessImage(img, clip);
    if (!a || a->height != 16 || a->width != 16) std::abort();
    checkPixels(*a, clip);
    ImageProcessorConfig siglip;
    siglip.kind = ImageProcessorKind::Siglip;
    siglip.shortestEdge = 0;
    siglip.height = 9;
    siglip.width = 13;
    siglip.doCenterCrop = false;
    siglip.imageMean = {0.5, 0.5, 0.5};
    siglip.imageStd = {0.5, 0.5, 0.5};
    auto b = preprocessImage(img, siglip);
    if (!b || b->height != 9 || b->width != 13) std::abort();
    checkPixels(*b, siglip);
    return std::nullopt;
}

} // namespace sinkscope::fuzz

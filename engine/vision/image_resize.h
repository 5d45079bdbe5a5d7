#pragma once
// Bicubic resizing of 8-bit RGB images that gives the same bytes as PIL 9.4's
// Image.resize(size, Image.BICUBIC), which Hugging Face's image processors call (a model's pixel
// values depend on every rounding step, so an approximation would not do).
#include "core/result.h"
#include "vision/image_decode.h"

namespace sinkscope {

// `image` scaled to outWidth x outHeight (both at least 1). The same size returns a copy, as PIL does.
RgbImage resizeBicubic(const RgbImage& image, int outWidth, int outHeight);

} // namespace sinkscope

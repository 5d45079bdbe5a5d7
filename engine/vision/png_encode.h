#pragma once
// RGB pictures written as PNG bytes (libpng's simplified write API) and shrunk for thumbnails: a
// trace keeps a small copy of the picture a LLaVA run saw, so the run shows again without the model.
#include "core/result.h"
#include "vision/image_decode.h"

#include <string>

namespace sinkscope {

// Errors: an empty or inconsistent image, libpng's own refusal.
Result<std::string> encodePng(const RgbImage& image);

// The image scaled so that its longer side is at most maxSide (each output pixel the mean of the
// input pixels it covers); an image already small enough is returned as it is.
RgbImage shrinkImage(const RgbImage& image, int maxSide);

} // namespace sinkscope

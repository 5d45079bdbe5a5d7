#pragma once
// The format decoders behind decodeImageBytes (image_decode.h), one per library. Each checks the
// size from its header with checkImageSize before allocating pixels.
#include "vision/image_decode.h"

namespace sinkscope::vision_detail {

// Empty when width x height is within the limits, else the message tail ("0x0 pixels: ...").
std::string checkImageSize(long long width, long long height, const DecodeLimits& limits);

Result<RgbImage> decodePng(std::string_view bytes, const std::string& name, const DecodeLimits& limits);
Result<RgbImage> decodeJpeg(std::string_view bytes, const std::string& name, const DecodeLimits& limits);

} // namespace sinkscope::vision_detail

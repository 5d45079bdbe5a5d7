#include "vision/image_decode.h"

#include "core/excerpt.h"
#include "core/read_file.h"
#include "vision/decode_internal.h"

#include <cstring>
#include <fmt/format.h>
#include <new>

namespace sinkscope {

namespace {

// Compressed images are far smaller than their pixels; a file past this is not a picture for a
// model (the largest accepted image, 100 MP, is 300 MB even uncompressed).
constexpr FileKind kImageFile{"an image file", 512ull << 20};

constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";
constexpr char kJpegSignature[] = "\xff\xd8\xff"; // SOI followed by the first marker

bool startsWith(std::string_view bytes, const char* signature) {
    const std::size_t n = std::strlen(signature);
    return bytes.size() >= n && std::memcmp(bytes.data(), signature, n) == 0;
}

} // namespace

namespace vision_detail {

std::string checkImageSize(long long width, long long height, const DecodeLimits& limits) {
    if (width <= 0 || height <= 0)
        return fmt::format("{}x{} pixels: an image needs at least one pixel", width, height);
    if (width > limits.maxSide || height > limits.maxSide)
        return fmt::format("{}x{} pixels is larger than the {}-pixel side limit", width, height,
                           limits.maxSide);
    if (width * height > limits.maxPixels)
        return fmt::format("{}x{} pixels is more than the limit of {} pixels", width, height,
                           limits.maxPixels);
    return {};
}

} // namespace vision_detail

Result<RgbImage> decodeImageBytes(std::string_view bytes, const std::string& name,
                                  const DecodeLimits& limits) {
    if (bytes.empty()) return Error{name + ": empty file, not a PNG or JPEG image"};
    try {
        if (startsWith(bytes, kPngSignature)) return vision_detail::decodePng(bytes, name, limits);
        if (startsWith(bytes, kJpegSignature)) return vision_detail::decodeJpeg(bytes, name, limits);
    } catch (const std::bad_alloc&) {
        // The size passed the limits but the machine has not the memory for it.
        return Error{name + ": not enough memory to decode the image"};
    }
    return Error{
        fmt::format("{}: not a PNG or JPEG image (starts with '{}')", name, excerpt(bytes.substr(0, 4)))};
}

Result<RgbImage> decodeImage(const std::string& path, const DecodeLimits& limits) {
    auto bytes = readWholeFile(path, kImageFile);
    if (!bytes) return bytes.error();
    return decodeImageBytes(*bytes, path, limits);
}

} // namespace sinkscope

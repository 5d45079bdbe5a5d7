#include "vision/png_encode.h"

#include <algorithm>
#include <fmt/format.h>
#include <png.h>

namespace sinkscope {

Result<std::string> encodePng(const RgbImage& image) {
    if (image.width < 1 || image.height < 1 ||
        image.rgb.size() !=
            static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3)
        return Error{fmt::format("PNG: a {}x{} image with {} bytes is not an RGB picture", image.width,
                                 image.height, image.rgb.size())};
    // The simplified API reports errors in the struct, with no longjmp into this frame.
    png_image png{};
    png.version = PNG_IMAGE_VERSION;
    png.width = static_cast<png_uint_32>(image.width);
    png.height = static_cast<png_uint_32>(image.height);
    png.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.rgb.data(), 0, nullptr))
        return Error{fmt::format("PNG: {}", png.message)};
    std::string out(size, '\0');
    if (!png_image_write_to_memory(&png, out.data(), &size, 0, image.rgb.data(), 0, nullptr))
        return Error{fmt::format("PNG: {}", png.message)};
    out.resize(size);
    return out;
}

RgbImage shrinkImage(const RgbImage& image, int maxSide) {
    const int side = std::max(image.width, image.height);
    if (maxSide < 1 || side <= maxSide) return image;
    RgbImage out;
    out.width = std::max(1, image.width * maxSide / side);
    out.height = std::max(1, image.height * maxSide / side);
    out.rgb.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3);
    for (int y = 0; y < out.height; ++y) {
        const int y0 = y * image.height / out.height,
                  y1 = std::max(y0 + 1, (y + 1) * image.height / out.height);
        for (int x = 0; x < out.width; ++x) {
            const int x0 = x * image.width / out.width,
                      x1 = std::max(x0 + 1, (x + 1) * image.width / out.width);
            for (int c = 0; c < 3; ++c) {
                long sum = 0;
                for (int yy = y0; yy < y1; ++yy)
                    for (int xx = x0; xx < x1; ++xx)
                        sum +=
                            image.rgb[(static_cast<std::size_t>(yy) * static_cast<std::size_t>(image.width) +
                                       static_cast<std::size_t>(xx)) *
                                          3 +
                                      static_cast<std::size_t>(c)];
                const long n = static_cast<long>(y1 - y0) * (x1 - x0);
                out.rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(out.width) +
                         static_cast<std::size_t>(x)) *
                            3 +
                        static_cast<std::size_t>(c)] = static_cast<std::uint8_t>((sum + n / 2) / n);
            }
        }
    }
    return out;
}

} // namespace sinkscope

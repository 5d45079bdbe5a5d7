// Follows transformers' CLIPImageProcessor.preprocess / SiglipImageProcessor.preprocess and the
// functions they call in image_transforms.py (resize, center_crop, rescale, normalize), including
// their float types: rescale multiplies in float64 and stores float32, normalize subtracts and
// divides in float32 with the mean and std cast to float32.
#include "vision/image_preprocess.h"

#include "vision/image_resize.h"

#include <algorithm>

namespace sinkscope {

namespace {

// image_transforms.center_crop: top = (h - crop_h) // 2 (floor division), and where the image is
// smaller than the crop it is first padded with zeros, placed ceil((crop - size) / 2) from the
// top/left; both cases come down to this offset of the image within the crop.
RgbImage centerCrop(const RgbImage& in, int cropHeight, int cropWidth) {
    auto offset = [](int size, int crop) {
        const int d = size - crop;
        return d >= 0 ? d / 2 : -((-d + 1) / 2); // floor(d / 2): negative = padding before
    };
    const int top = offset(in.height, cropHeight);
    const int left = offset(in.width, cropWidth);
    RgbImage out;
    out.width = cropWidth;
    out.height = cropHeight;
    out.rgb.assign(static_cast<std::size_t>(cropWidth) * static_cast<std::size_t>(cropHeight) * 3, 0);
    for (int y = 0; y < cropHeight; ++y) {
        const int sy = y + top;
        if (sy < 0 || sy >= in.height) continue;
        const int x0 = std::max(0, -left);
        const int x1 = std::min(cropWidth, in.width - left);
        if (x1 <= x0) continue;
        std::copy_n(&in.rgb[(static_cast<std::size_t>(sy) * in.width + (x0 + left)) * 3],
                    static_cast<std::size_t>(x1 - x0) * 3,
                    &out.rgb[(static_cast<std::size_t>(y) * cropWidth + x0) * 3]);
    }
    return out;
}

} // namespace

Size2 resizedSize(const ImageProcessorConfig& config, int width, int height) {
    if (config.shortestEdge <= 0) return {config.height, config.width};
    // get_resize_output_image_size: the long side is int(shortest * long / short), a float
    // division truncated.
    const int shortSide = std::min(width, height);
    const int longSide = std::max(width, height);
    const double scaled = static_cast<double>(config.shortestEdge) * longSide / shortSide;
    const int newLong = static_cast<int>(scaled);
    if (width <= height) return {newLong, config.shortestEdge};
    return {config.shortestEdge, newLong};
}

Result<PixelValues> preprocessImage(const RgbImage& image, const ImageProcessorConfig& config) {
    if (image.width <= 0 || image.height <= 0 ||
        image.rgb.size() !=
            static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3)
        return Error{"image preprocessing: the image has no pixels"};
    RgbImage current = image;
    if (config.doResize) {
        const Size2 size = resizedSize(config, image.width, image.height);
        if (size.width < 1 || size.height < 1)
            return Error{"image preprocessing: the resized image would have no pixels"};
        current = resizeBicubic(current, size.width, size.height);
    }
    if (config.kind == ImageProcessorKind::Clip && config.doCenterCrop)
        current = centerCrop(current, config.cropHeight, config.cropWidth);

    PixelValues out;
    out.height = current.height;
    out.width = current.width;
    const std::size_t plane = static_cast<std::size_t>(out.height) * static_cast<std::size_t>(out.width);
    out.data.resize(plane * 3);
    for (int c = 0; c < 3; ++c) {
        const auto mean = static_cast<float>(config.imageMean[static_cast<std::size_t>(c)]);
        const auto stdev = static_cast<float>(config.imageStd[static_cast<std::size_t>(c)]);
        for (std::size_t i = 0; i < plane; ++i) {
            const std::uint8_t v = current.rgb[i * 3 + static_cast<std::size_t>(c)];
            float f = config.doRescale ? static_cast<float>(static_cast<double>(v) * config.rescaleFactor)
                                       : static_cast<float>(v);
            if (config.doNormalize) f = (f - mean) / stdev;
            out.data[static_cast<std::size_t>(c) * plane + i] = f;
        }
    }
    out.picture = std::move(current);
    return out;
}

} // namespace sinkscope

#pragma once
// The pixel values a CLIP or SigLIP vision tower reads, made from a decoded image exactly as
// Hugging Face's CLIPImageProcessor / SiglipImageProcessor make them with PIL: resize (PIL
// bicubic), centre crop (CLIP), rescale, normalise, channels first.
#include "core/result.h"
#include "vision/image_decode.h"
#include "vision/image_processor_config.h"

#include <vector>

namespace sinkscope {

struct PixelValues {
    int channels = 3;
    int height = 0, width = 0;
    std::vector<float> data; // channels x height x width (CHW), float32 as pixel_values
    RgbImage picture;        // the 8-bit picture they were made from (resized, cropped): what to show
};

// The output size the resize step gives an input of width x height: CLIP's shortest edge
// (transformers' get_resize_output_image_size with default_to_square=False) or the fixed size.
struct Size2 {
    int height = 0, width = 0;
};
Size2 resizedSize(const ImageProcessorConfig& config, int width, int height);

// Errors: an empty image (one no decoder returns).
Result<PixelValues> preprocessImage(const RgbImage& image, const ImageProcessorConfig& config);

} // namespace sinkscope

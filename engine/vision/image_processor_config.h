#pragma once
// A model's preprocessor_config.json, as Hugging Face's CLIPImageProcessor and
// SiglipImageProcessor read it: the steps an image goes through before the vision tower, with
// each class's defaults for the keys a file leaves out.
#include "core/result.h"

#include <array>
#include <string>
#include <string_view>

namespace sinkscope {

enum class ImageProcessorKind { Clip, Siglip };

struct ImageProcessorConfig {
    ImageProcessorKind kind = ImageProcessorKind::Clip;
    std::string typeName = "CLIPImageProcessor"; // as the file names it
    bool doResize = true;
    // CLIP's {"shortest_edge": n} (the short side becomes n, the aspect ratio kept), or a fixed
    // {"height", "width"} (SigLIP always; CLIP when the file says so). shortestEdge is 0 then.
    int shortestEdge = 224;
    int height = 224, width = 224;
    int resample = 3;         // PIL's BICUBIC, the only filter implemented (image_resize.h)
    bool doCenterCrop = true; // CLIP only: SiglipImageProcessor has no crop step
    int cropHeight = 224, cropWidth = 224;
    bool doRescale = true;
    double rescaleFactor = 1.0 / 255.0;
    bool doNormalize = true;
    std::array<double, 3> imageMean{0.48145466, 0.4578275, 0.40821073}; // OPENAI_CLIP_MEAN
    std::array<double, 3> imageStd{0.26862954, 0.26130258, 0.27577711}; // OPENAI_CLIP_STD
    bool doConvertRgb = true; // images are always decoded to RGB (image_decode.h)
};

// Errors are one line naming the file, the field and the value:
// "preprocessor_config.json: resample: 2 (bilinear) is not supported, only 3 (bicubic)".
Result<ImageProcessorConfig> parseImageProcessorConfig(std::string_view json, const std::string& source);
Result<ImageProcessorConfig> loadImageProcessorConfig(const std::string& path);

} // namespace sinkscope

#include "model/image_input.h"

#include "model/model_impl.h"
#include "model/vision_tower.h"

#include <c10/core/InferenceMode.h>
#include <fmt/format.h>

namespace sinkscope {

namespace {

Status takesImages(const Model& model) {
    if (model.impl().llava) return okStatus();
    return Error{fmt::format("the model ({}) takes no image: only LLaVA models (model_type llava) do",
                             model.config().modelType)};
}

} // namespace

// The image's rows as the splice wants them, at the prompt's image-token positions.
Result<detail::EmbeddingOverride> imageOverride(const Model& model, const std::vector<std::int32_t>& ids,
                                                const ImageEmbeddings& image) {
    if (auto s = takesImages(model); !s) return s.error();
    const auto& impl = model.impl();
    if (image.width != impl.config.dModel || image.rows < 0 ||
        static_cast<std::int64_t>(image.values.size()) != image.rows * image.width)
        return Error{
            fmt::format("the image embeddings are {} x {} ({} values); the language model takes rows of {}",
                        image.rows, image.width, image.values.size(), impl.config.dModel)};
    detail::EmbeddingOverride e;
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == impl.llava->imageTokenId) e.positions.push_back(static_cast<std::int64_t>(i));
    e.rows = at::from_blob(const_cast<float*>(image.values.data()), {image.rows, image.width}, at::kFloat)
                 .to(impl.device, /*non_blocking=*/false, /*copy=*/true);
    return e;
}

const LlavaConfig* llavaConfig(const Model& model) {
    const auto& l = model.impl().llava;
    return l ? &*l : nullptr;
}

Result<ImageEmbeddings> encodeImage(const Model& model, const ImageInput& image) {
    if (auto s = takesImages(model); !s) return s.error();
    const auto& impl = model.impl();
    const VisionConfig& v = impl.llava->vision;
    if (image.channels != v.channels || image.height != v.imageSize || image.width != v.imageSize ||
        image.pixels.size() != static_cast<std::size_t>(image.channels) * image.height * image.width)
        return Error{
            fmt::format("the image is {}x{}x{} (channels x height x width); the vision tower takes {}x{}x{}",
                        image.channels, image.height, image.width, v.channels, v.imageSize, v.imageSize)};
    try {
        c10::InferenceMode guard;
        const at::Tensor pixels = at::from_blob(const_cast<float*>(image.pixels.data()),
                                                {image.channels, image.height, image.width}, at::kFloat)
                                      .to(impl.device);
        const at::Tensor features = detail::encodeImage(*impl.llava, impl.vision, pixels)
                                        .features.to(at::kCPU, at::kFloat)
                                        .contiguous();
        ImageEmbeddings out;
        out.rows = features.size(0);
        out.width = features.size(1);
        out.values.assign(features.data_ptr<float>(), features.data_ptr<float>() + features.numel());
        return out;
    } catch (const std::exception& e) {
        return Error{fmt::format("the vision tower failed: {}", e.what())};
    }
}

Result<ForwardOutput> forwardWithImage(const Model& model, const std::vector<std::int32_t>& ids,
                                       const ImageEmbeddings& image, ForwardObserver* observer,
                                       bool allLogits, const Interventions& interventions) {
    auto e = imageOverride(model, ids, image);
    if (!e) return e.error();
    return model.impl().forwardPass(model, ids, observer, allLogits, interventions, &e.value());
}

Result<GenerationOutput> generateWithImage(const Model& model, const std::vector<std::int32_t>& prompt,
                                           const ImageEmbeddings& image, const GenerationOptions& options,
                                           ForwardObserver* observer, const ProgressCallback& progress,
                                           const Interventions& interventions) {
    auto e = imageOverride(model, prompt, image);
    if (!e) return e.error();
    return model.impl().generatePass(model, prompt, options, observer, progress, interventions, &e.value());
}

Result<ForwardOutput> forwardPrompt(const Model& model, const std::vector<std::int32_t>& ids,
                                    const ImageEmbeddings* image, ForwardObserver* observer, bool allLogits,
                                    const Interventions& interventions) {
    if (image) return forwardWithImage(model, ids, *image, observer, allLogits, interventions);
    return model.forward(ids, observer, allLogits, interventions);
}

Result<GenerationOutput> generatePrompt(const Model& model, const std::vector<std::int32_t>& prompt,
                                        const ImageEmbeddings* image, const GenerationOptions& options,
                                        ForwardObserver* observer, const ProgressCallback& progress,
                                        const Interventions& interventions) {
    if (image) return generateWithImage(model, prompt, *image, options, observer, progress, interventions);
    return model.generate(prompt, options, observer, progress, interventions);
}

} // namespace sinkscope

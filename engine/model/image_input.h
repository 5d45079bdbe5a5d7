#pragma once
// Images for LLaVA models (image + text): the vision tower and projector turn preprocessed pixel
// values into one embedding per image token, and a pass over a prompt whose image-token positions
// (the config's image_token_index) take those embeddings instead of the token embeddings, as
// LlavaModel.forward splices them. Every observer, capture and intervention works on such a pass
// as on a text pass. Torch-free, like model.h.
#include "core/result.h"
#include "io/llava_config.h"
#include "model/model.h"

#include <cstdint>
#include <vector>

namespace sinkscope {

struct ImageInput {
    std::vector<float> pixels; // [channels, height, width], rescaled and normalised
    int channels = 0, height = 0, width = 0;
};

struct ImageEmbeddings {
    std::vector<float> values; // [rows, width]: one row per image token, in prompt order
    std::int64_t rows = 0, width = 0;
};

// The image half of the model; null for a text-only model.
const LlavaConfig* llavaConfig(const Model& model);

// Runs the vision tower and projector. Errors: a text-only model, pixels of another shape than
// [channels, image_size, image_size].
Result<ImageEmbeddings> encodeImage(const Model& model, const ImageInput& image);

// Model::forward / Model::generate with the image's embeddings at the prompt's image tokens. Their
// number must equal image.rows (the prompt holds the expanded image block).
Result<ForwardOutput> forwardWithImage(const Model& model, const std::vector<std::int32_t>& ids,
                                       const ImageEmbeddings& image, ForwardObserver* observer,
                                       bool allLogits = false, const Interventions& interventions = {});
Result<GenerationOutput> generateWithImage(const Model& model, const std::vector<std::int32_t>& prompt,
                                           const ImageEmbeddings& image, const GenerationOptions& options,
                                           ForwardObserver* observer, const ProgressCallback& progress = {},
                                           const Interventions& interventions = {});

// Model::forward / Model::generate, or the image versions above when `image` is not null: what a
// front-end that may or may not have a picture calls.
Result<ForwardOutput> forwardPrompt(const Model& model, const std::vector<std::int32_t>& ids,
                                    const ImageEmbeddings* image, ForwardObserver* observer,
                                    bool allLogits = false, const Interventions& interventions = {});
Result<GenerationOutput> generatePrompt(const Model& model, const std::vector<std::int32_t>& prompt,
                                        const ImageEmbeddings* image, const GenerationOptions& options,
                                        ForwardObserver* observer, const ProgressCallback& progress = {},
                                        const Interventions& interventions = {});

} // namespace sinkscope

#pragma once
// Model's private state, shared by the files that implement Model and PreparedPrompt.
#include "io/model_directory.h"
#include "model/image_input.h"
#include "model/intervention_state.h"
#include "model/model.h"
#include "model/transformer.h"
#include "model/vision_tower.h"

#include <algorithm>
#include <memory>

namespace sinkscope {

struct Model::Impl {
    ModelConfig config;
    ModelFormat format = ModelFormat::HfSafetensors;
    std::string path;
    detail::TransformerWeights weights;
    std::unique_ptr<Tokenizer> tokenizer;
    at::Device device = at::kCPU;
    std::vector<std::string> notices;
    // LLaVA models: the image half (model/image_input.h); unset for a text-only model.
    std::optional<LlavaConfig> llava;
    detail::VisionWeights vision;

    // Ids as the embedding lookup takes them: a LLaVA image token outside the vocabulary becomes 0
    // (LlavaModel's rule for such a token; the image's rows replace it).
    at::Tensor tokensTensor(const std::vector<std::int32_t>& ids) const {
        std::vector<std::int64_t> v(ids.begin(), ids.end());
        if (llava && llava->imageTokenId >= config.vocabSize)
            std::replace(v.begin(), v.end(), static_cast<std::int64_t>(llava->imageTokenId), std::int64_t{0});
        return at::tensor(v, at::TensorOptions().dtype(at::kLong))
            .view({1, static_cast<std::int64_t>(v.size())})
            .to(device);
    }
    Result<std::unique_ptr<detail::InterventionState>>
    prepare(const Model& model, const std::vector<std::int32_t>& ids, const Interventions& list,
            const detail::EmbeddingOverride* embeds = nullptr) const;
    // Model::forward and Model::generate, with a LLaVA image's rows at the prompt's image tokens
    // (embeds) or without (null: a prompt holding image tokens is then refused).
    Result<ForwardOutput> forwardPass(const Model& model, const std::vector<std::int32_t>& ids,
                                      ForwardObserver* observer, bool allLogits,
                                      const Interventions& interventions,
                                      const detail::EmbeddingOverride* embeds) const;
    Result<GenerationOutput> generatePass(const Model& model, const std::vector<std::int32_t>& prompt,
                                          const GenerationOptions& options, ForwardObserver* observer,
                                          const ProgressCallback& progress,
                                          const Interventions& interventions,
                                          const detail::EmbeddingOverride* embeds) const;
    // The prompt's image-token positions checked against the image's rows (or its absence).
    Status checkImageTokens(const std::vector<std::int32_t>& ids, const detail::EmbeddingOverride* embeds,
                            const Interventions& interventions) const;
    static std::vector<float> lastRow(const at::Tensor& logits) {
        at::Tensor row = logits[0][logits.size(1) - 1].to(at::kCPU, at::kFloat).contiguous();
        return {row.data_ptr<float>(), row.data_ptr<float>() + row.numel()};
    }
};

// The image's rows as the splice wants them, at the prompt's image-token positions (image_input.cpp).
Result<detail::EmbeddingOverride> imageOverride(const Model& model, const std::vector<std::int32_t>& ids,
                                                const ImageEmbeddings& image);

} // namespace sinkscope

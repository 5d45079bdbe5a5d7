#pragma once
// The image path of a LLaVA model in ATen ops: the CLIP or SigLIP vision tower over one image's
// pixel values, the selection of its hidden states (vision_feature_layer,
// vision_feature_select_strategy) and the two-layer projector into the language model's
// embedding space. Everything in float32. Private to the engine: never include from a public header.
#include "core/result.h"
#include "io/llava_config.h"
#include "io/weight_store.h"

#include <ATen/ATen.h>

#include <vector>

namespace sinkscope::detail {

struct VisionLayerWeights {
    at::Tensor norm1W, norm1B, norm2W, norm2B;
    at::Tensor wq, bq, wk, bk, wv, bv, wo, bo;
    at::Tensor fc1W, fc1B, fc2W, fc2B;
};

struct VisionWeights {
    at::Tensor patchW; // [D, C * p * p]: the patch Conv2d as a matmul over flattened patches
    at::Tensor patchB; // SigLIP only
    at::Tensor classEmb, preNormW, preNormB; // CLIP only
    at::Tensor posEmb;                       // [tokens, D]
    std::vector<VisionLayerWeights> layers;
    at::Tensor proj1W, proj1B, proj2W, proj2B; // biases undefined without multimodal_projector_bias
};

// Reads the tower and projector (names as io/llava_weights.h maps them) as float32 on `device`,
// refusing NaN or infinite values with the tensor named.
Result<VisionWeights> visionWeightsFromStore(const LlavaConfig& c, const WeightStore& store,
                                             at::Device device);

struct ImageEncoding {
    at::Tensor hiddenStates; // [layers + 1, tokens, Dv]: the encoder's input, then each layer's output
    at::Tensor selected;     // [image tokens, Dv * selected states]: the projector's input
    at::Tensor features;     // [image tokens, D]: what takes the image tokens' place in the prompt
};

// pixels: float32 [channels, image_size, image_size], preprocessed (rescaled and normalised).
ImageEncoding encodeImage(const LlavaConfig& c, const VisionWeights& w, const at::Tensor& pixels);

} // namespace sinkscope::detail

#pragma once
// The demo vision-language model's trainable half: a SigLIP-style vision tower and LLaVA's
// two-layer projector in front of a frozen language model, their parameters by checkpoint name,
// and saving the whole model as an ordinary LLaVA directory (llava-hf layout) that the loader
// reads like any downloaded one. Private to the training library.
#include "core/result.h"
#include "io/dtype.h"
#include "io/llava_config.h"
#include "io/model_config.h"
#include "model/transformer.h"
#include "model/vision_tower.h"
#include "train/adamw.h"

#include <cstdint>
#include <string>

namespace sinkscope::detail {

// N(0, std) matrices and embeddings, unit layer-norm gains, zero biases.
VisionWeights initVisionWeights(const LlavaConfig& c, std::int64_t textWidth, double initStd,
                                std::uint64_t seed);

// Every trainable tensor of the image half, named as mapLlavaLayout names them
// (vision_tower.vision_model.*, multi_modal_projector.*); the patch weight as [D, C * p * p].
std::vector<NamedParam> visionParameters(VisionWeights& w);

// config.json (model_type llava, the language model as text_config), model.safetensors (llava-hf
// layout; post_layernorm, which LLaVA never runs, as the identity) and preprocessor_config.json
// (SiglipImageProcessor: resize to the tower's square, rescale, normalise with mean = std = 0.5).
Status saveLlavaDirectory(const std::string& dir, const LlavaConfig& lc, const ModelConfig& text,
                          TransformerWeights& lm, VisionWeights& vision, DType dtype);

// The image half of a directory written by saveLlavaDirectory, as trainable float32 tensors.
Result<VisionWeights> loadTrainableVision(const std::string& dir, const LlavaConfig& lc,
                                          std::int64_t textWidth);

// A language model directory's weights as frozen float32 tensors (no gradients).
Result<TransformerWeights> loadFrozenLanguageModel(const std::string& dir, const ModelConfig& c);

} // namespace sinkscope::detail

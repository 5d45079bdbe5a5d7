#pragma once
// LLaVA checkpoints come in two layouts: the llava-hf one (transformers < 4.52: language_model.model.*,
// language_model.lm_head.*, vision_tower.*, multi_modal_projector.*) and the one newer transformers
// writes (model.language_model.*, lm_head.*, model.vision_tower.*, model.multi_modal_projector.*).
// Both are renamed to one set: the language model under the plain causal-LM names (model.*,
// lm_head.*), so it loads as a text-only llama / qwen2 model does, and the image half under
// vision_tower.vision_model.* and multi_modal_projector.*.
#include "core/result.h"
#include "io/llava_config.h"
#include "io/weight_spec.h"
#include "io/weight_store.h"

#include <string>
#include <vector>

namespace sinkscope {

// Renames a LLaVA checkpoint's tensors to the names above; `source` names the file in errors.
Status mapLlavaLayout(WeightStore& weights, const std::string& source);

// The vision tower's and projector's tensors (after mapLlavaLayout), for a language model of
// width textWidth. post_layernorm is listed (every checkpoint holds it) though LLaVA never runs it.
void llavaTensors(const LlavaConfig& c, std::int64_t textWidth, std::vector<TensorSpec>& out);

// The parameters of the image half (llavaTensors), for the total a listing shows.
std::int64_t llavaParameterCount(const LlavaConfig& c, std::int64_t textWidth);

// Splits the image half (vision_tower.*, multi_modal_projector.*) off a mapped store, leaving the
// language model's tensors, and checks it holds exactly llavaTensors (SigLIP's attention-pooling
// head, which LLaVA never runs, is dropped): presence, float dtype and shape, naming the tensor.
Result<WeightStore> takeLlavaImageWeights(const LlavaConfig& c, std::int64_t textWidth, WeightStore& weights,
                                          const std::string& source);

} // namespace sinkscope

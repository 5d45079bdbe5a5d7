#pragma once
// The trainable Llama-style model: random initialisation, its parameters by Hugging Face name,
// and saving to / loading from a model directory that the ordinary loader reads.
#include "core/result.h"
#include "io/dtype.h"
#include "io/model_config.h"
#include "model/transformer.h"
#include "train/adamw.h"

#include <cstdint>
#include <string>

namespace sinkscope::detail {

// N(0, std) matrices (output projections scaled by 1/sqrt(2L)), unit norm gains, zero sink logits.
TransformerWeights initWeights(const ModelConfig& c, double initStd, std::uint64_t seed);

// Every trainable tensor with its Hugging Face name (a tied head is not listed twice).
std::vector<NamedParam> namedParameters(const ModelConfig& c, TransformerWeights& w);

// Writes config.json + model.safetensors (weights as dtype: F32 to resume, BF16/F16 to ship).
Status saveModelDirectory(const std::string& dir, const ModelConfig& c, TransformerWeights& w, DType dtype);

// Reads a directory written by saveModelDirectory (F32) into trainable CPU tensors.
Result<TransformerWeights> loadTrainableWeights(const std::string& dir, const ModelConfig& c);

// Saves/loads named tensors (optimizer moments, a LLaVA checkpoint) as one safetensors file; loading
// takes F32 only.
Status saveTensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                   DType dtype = DType::F32);
Status loadTensorsInto(const std::string& path,
                       const std::vector<std::pair<std::string, at::Tensor*>>& tensors);

} // namespace sinkscope::detail

#pragma once
// The tensors a config implies, by Hugging Face name and shape, and the check of a WeightStore
// against them. Every mismatch is an error naming the tensor before any weight is used.
#include "core/result.h"
#include "io/model_config.h"
#include "io/weight_store.h"

#include <string>
#include <vector>

namespace sinkscope {

struct TensorSpec {
    std::string name;
    std::vector<std::int64_t> shape;
};

// The whole list: for configs already checked against weights (or made by SinkScope itself), as
// its length grows with the config's layer count.
std::vector<TensorSpec> expectedTensors(const ModelConfig& config);

// How many tensors that list has, without building it.
std::int64_t expectedTensorCount(const ModelConfig& config);

// The number of parameters those tensors hold (tied embeddings counted once), without building
// the list; INT64_MAX when the config's sizes multiply past it.
std::int64_t parameterCount(const ModelConfig& config);

// Checks presence, float dtype and shape of every expected tensor, and refuses tensors the config
// does not explain (except known non-weight buffers). `source` names the checkpoint in messages.
Status validateWeights(const ModelConfig& config, const WeightStore& weights, const std::string& source);

} // namespace sinkscope

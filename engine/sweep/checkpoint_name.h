#pragma once
// How a model path names a training checkpoint: a last path component such as `step1000`
// (Pythia's revisions), `step-000200`, `checkpoint-500` or `ckpt_3` is a checkpoint of the model
// named by its parent directory. A sweep expands a directory of such checkpoints into one model
// per checkpoint, and its report groups runs by model and checkpoint with this same rule, so
// the two never disagree.
#include <cstdint>
#include <string>

namespace sinkscope {

struct CheckpointName {
    std::string model;      // the path without its checkpoint component (the whole path if none)
    std::string checkpoint; // the checkpoint component, e.g. "step1000"; empty: not a checkpoint
    std::int64_t step = -1; // its number; -1 when not a checkpoint
};

// Case-insensitive `step`, `checkpoint` or `ckpt`, an optional '-' or '_', then 1-18 digits.
CheckpointName splitCheckpoint(const std::string& modelPath);

} // namespace sinkscope

#pragma once
// The parts of a training checkpoint both trainers write the same way: the optimiser's moments by
// parameter name, the trainer's counters, and the swap that puts a completely written checkpoint
// in place of the last one. Private to the training library.
#include "core/result.h"
#include "train/adamw.h"

#include <cstdint>
#include <string>

namespace sinkscope::detail {

// DIR/optimizer.safetensors: "m.NAME" and "v.NAME" for every parameter, float32.
Status saveMoments(const std::string& dir, AdamW& opt);
Status loadMoments(const std::string& dir, AdamW& opt);

struct TrainerState {
    std::int64_t step = 0;
    std::int64_t tokens = 0; // what the run counts as seen (tokens, or pictures)
    double lossEma = 0;
    double seconds = 0; // training time over all sessions
};

// DIR/trainer_state.json.
Status writeTrainerState(const std::string& dir, const TrainerState& s);
Result<TrainerState> readTrainerState(const std::string& dir);

// Moves `tmp` (written completely) to `final`, the previous `final` out of the way first and
// removed after: an interrupted save never loses the last checkpoint.
Status swapInCheckpoint(const std::string& tmp, const std::string& final);

} // namespace sinkscope::detail

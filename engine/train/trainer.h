#pragma once
// Training runs: a run directory holds the recipe, the tokenizer, the encoded corpus, the latest
// checkpoint (a loadable model directory plus optimizer state) and the sink timeline. Runs are
// resumable and stop cleanly (with a checkpoint) when asked. Torch-free interface.
#include "core/result.h"
// TimelinePoint (the record a trace file keeps of each checkpoint) and runDir/timeline.json.
#include "trace/timeline_file.h"
#include "train/train_config.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sinkscope {

struct TrainProgress {
    std::int64_t step = 0, totalSteps = 0;
    std::int64_t tokens = 0;
    double trainLoss = 0; // smoothed
    double lr = 0;
    double gradNorm = 0;
    double tokensPerSecond = 0;
    double etaSeconds = 0;
};

struct TrainCallbacks {
    std::function<void(const std::string&)> onMessage;
    std::function<void(const TrainProgress&)> onProgress;
    std::function<void(const TimelinePoint&)> onCheckpoint;
    std::function<bool()> shouldStop; // polled every step; true saves a checkpoint and returns
};

// Texts for the lesson measurements at each checkpoint (train/lesson_probe.h): a held-out text
// for the StreamingLLM ratio and fixed prompts (one a line) for the suppression KL. Empty: none.
struct LessonFiles {
    std::string heldoutText, promptsText;
};

struct NewRunInputs {
    TrainConfig config;
    std::string tokenizerPath; // a tokenizer.json or tokenizer.model
    std::string trainText, valText;
    LessonFiles lesson = {};
};

// Starts a run in runDir (must not hold one yet).
Status startTraining(const std::string& runDir, const NewRunInputs& inputs, const TrainCallbacks& callbacks);
// Continues the run in runDir from its latest checkpoint. extendTo > 0 raises total_steps
// (the cosine schedule is stretched from there on). Lesson files are taken only by a run that has
// none yet (one started before they existed): its later checkpoints measure them.
Status resumeTraining(const std::string& runDir, std::int64_t extendTo, const TrainCallbacks& callbacks,
                      const LessonFiles& lesson = {});

} // namespace sinkscope

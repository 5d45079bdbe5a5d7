#pragma once
// Training the demo vision-language model: a small vision tower and projector learn, through a
// frozen language model, to answer templated questions about procedural pictures
// (train/shape_pictures.h). A run directory holds the recipe, a copy of the language model it is
// attached to (lm/), the tokenizer with <image> added, the latest checkpoint (an ordinary LLaVA
// model directory plus optimizer state) and vlm_timeline.json. Runs resume and stop cleanly like
// the language-model trainer's. Torch-free interface.
#include "core/result.h"
#include "io/dtype.h"
#include "train/trainer.h"
#include "train/vlm_recipe.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sinkscope {

// One checkpoint's measurements on held-out scenes (the recipe's val_seed).
struct VlmPoint {
    std::int64_t step = 0, pictures = 0; // pictures seen so far
    double trainLoss = 0, valLoss = 0;   // mean cross-entropy over answer tokens (and the EOS)
    // Greedy answers equal to the template's (every answer token the top-1 under teacher forcing,
    // which is what greedy decoding reproduces), overall and per task.
    double exactMatch = 0;
    std::map<std::string, double> exactByTask;
    int questions = 0;
};

struct VlmCallbacks {
    std::function<void(const std::string&)> onMessage;
    std::function<void(const TrainProgress&)> onProgress; // tokensPerSecond counts pictures here
    std::function<void(const VlmPoint&)> onCheckpoint;
    std::function<bool()> shouldStop; // polled every step; true saves a checkpoint and returns
};

// Starts a run in runDir (which must not hold one) on the language model in lmDir (a llama-style
// directory with a tokenizer.json).
Status startVlmTraining(const std::string& runDir, const std::string& lmDir, const VlmRecipe& recipe,
                        const VlmCallbacks& callbacks);
// Continues the run from its latest checkpoint; extendTo > 0 raises total_steps.
Status resumeVlmTraining(const std::string& runDir, std::int64_t extendTo, const VlmCallbacks& callbacks);

// The latest checkpoint as a model directory to ship: weights as dtype, tokenizer, recipe,
// timeline. Returns the last timeline point.
Result<VlmPoint> exportVlmRun(const std::string& runDir, const std::string& outDir, DType dtype);

// The points of DIR/vlm_timeline.json (a run directory or an exported model).
Result<std::vector<VlmPoint>> readVlmTimeline(const std::string& dir);

// The name a SceneTask goes by in the timeline ("describe", "colour", ...).
const char* sceneTaskName(int task);

} // namespace sinkscope

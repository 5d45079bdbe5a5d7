#pragma once
// The lesson's strength at a checkpoint: how much the model's behaviour rests on its first-token
// sink, measured with the engine paths the app uses. (a) The StreamingLLM ratio: perplexity of a
// held-out text through a cache of the recent window only, over the same window plus the first
// tokens (positions re-assigned within the cache). (b) The mean KL(base || all-head suppression)
// of the next-token distribution after fixed prompts. A run measures these when it holds
// data/heldout.txt (and data/lesson_prompts.txt for (b)), copied in by the trainer.
#include "core/result.h"
#include "model/model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

inline constexpr int kLessonWindow = 64;   // recent tokens kept in the cache (current one included)
inline constexpr int kLessonSinks = 4;     // first tokens kept beside the window
inline constexpr int kLessonTokens = 1024; // held-out tokens scored (BOS included), for cost
inline constexpr int kLessonPrompts = 64;  // at most this many fixed prompts

struct LessonInputs {
    std::vector<std::int32_t> heldout;              // BOS (when the run uses one) + text, cut short
    std::vector<std::vector<std::int32_t>> prompts; // each BOS + one fixed prompt; may be empty
};

struct LessonResult {
    double pplWindow = 0, pplSinks = 0;
    std::optional<double> suppressionKl; // absent without prompts
};

// Reads runDir/data/heldout.txt and runDir/data/lesson_prompts.txt (one prompt a line) and
// encodes them; nullopt when the run has no held-out text. An error names the file and problem.
Result<std::optional<LessonInputs>> loadLessonInputs(const std::string& runDir, const Tokenizer& tokenizer,
                                                     bool bos);

// Measures a loaded checkpoint.
Result<LessonResult> probeLesson(const Model& model, const LessonInputs& inputs);

// Copies heldout (and prompts, when given) into runDir/data/ unless the run already has them
// (a run keeps the texts its timeline was measured on). loadLessonInputs then checks them.
Status installLessonFiles(const std::string& runDir, const std::string& heldout, const std::string& prompts);

} // namespace sinkscope

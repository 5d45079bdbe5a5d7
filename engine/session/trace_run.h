#pragma once
// Running a prompt into a trace file: the unmodified run and, with interventions, the intervened
// run as one group, each with every (step, layer, head) map, norms, top-k, generation and
// metrics. `sinkscope-cli trace` and the desktop app's "Save run to trace" both call this, so a
// run saved from either reads back the same. Torch-free.
#include "core/result.h"
#include "model/model.h"
#include "session/capture_selection.h"
#include "session/image_prompt.h"
#include "session/trace_capture.h"
#include "trace/trace_store.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sinkscope {

struct TraceRunOptions {
    std::string modelPath;        // recorded as the model's identity (as the user gave it)
    GenerationOptions generation; // recordTopK is raised to at least 10 for the stored top-k
    bool scores = false;          // also store pre-softmax scores
    bool onlyIntervened = false;  // with interventions: store the intervened run only
    // With onlyIntervened: still run the unmodified prompt pass (without generating, nothing of it
    // stored) so that the intervened run's metrics hold its KL from the unmodified next-token
    // distribution — a sweep's "none" task stores the base run itself.
    bool klWithoutBase = false;
    std::string label;                  // prefixed to each run's label ("run", "base", "intervened")
    std::string bos = "auto";           // how BOS was chosen, recorded in the settings
    CaptureSelection capture;           // the maps stored (alpha_0 metrics cover every head regardless)
    const PromptImage* image = nullptr; // LLaVA: the picture at the prompt's image tokens (its file,
                                        // block and patch grid are recorded in the settings)
};

// Called per generated token with the side being generated ("run", "base" or "intervened");
// returning false cancels: nothing more is written and the result is an error saying so.
using TraceProgress = std::function<bool(const std::string& side, int done, int total)>;

struct TracedRun {
    std::int64_t id = 0;
    std::string side; // "run", "base" or "intervened"
};

// A group computed and not yet stored: each side's record and capture, base first. It holds the
// maps of both sides at once (TraceCapture::bytes() each) so that the group is stored in one
// transaction, and so that a caller can keep it and store it again when storing failed.
struct TraceGroup {
    struct Side {
        std::string side; // "run", "base" or "intervened"
        RunRecord record;
        std::unique_ptr<TraceCapture> capture;
    };
    std::vector<Side> sides;
};

// Runs ids through the model (base first, then intervened). The caller has checked the
// interventions against the model and the prompt length.
Result<TraceGroup> computeTraceGroup(const Model& model, const std::vector<std::int32_t>& ids,
                                     const Interventions& interventions, const TraceRunOptions& options,
                                     const TraceProgress& progress = {});

// Writes every run of the group in one transaction: all of them appear, or none (also when the
// process is killed). The group is left as it was, so a failed store can be tried again.
Result<std::vector<TracedRun>> storeTraceGroup(const TraceGroup& group, TraceStore& store);

// computeTraceGroup, then storeTraceGroup. Open the store first: a file that cannot take the
// runs is refused before the model runs.
Result<std::vector<TracedRun>> traceRuns(const Model& model, const std::vector<std::int32_t>& ids,
                                         const Interventions& interventions, const TraceRunOptions& options,
                                         TraceStore& store, const TraceProgress& progress = {});

// Whether this machine can hold the run traceRuns would make (the pass and every captured map),
// checked before anything is computed or written; traceRuns checks it too. When the maps are what
// does not fit, the message names the layers that would ("capture layers 0-7 (--capture-layers
// 0-7) or fewer heads").
Status checkTraceMemory(const Model& model, const std::vector<std::int32_t>& ids,
                        const Interventions& interventions, const TraceRunOptions& options);

// What checkTraceMemory predicts, in parts: the pass beyond the weights, the maps the group keeps
// (both sides), and what this machine has available (-1: unknown). `trace --dry-run` prints it.
struct TraceMemoryPlan {
    std::int64_t passBytes = 0, mapBytes = 0, availableBytes = -1;
};
TraceMemoryPlan planTraceMemory(const Model& model, std::int64_t tokens, const Interventions& interventions,
                                const TraceRunOptions& options);

// FNV-1a over the config as config.json text: the same architecture and shape hash alike.
std::string modelConfigHash(const ModelConfig& config);

} // namespace sinkscope

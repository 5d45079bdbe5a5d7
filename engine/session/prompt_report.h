#pragma once
// What one prompt's unmodified (or intervened) pass says about its sinks, and the same over many
// prompts: Sink_1^ε and α₀ per head, sink heads, sink dimensions, the secondary-sink table, the
// value-state drain and key/value norms per token. `sinkscope-cli metrics` prints a PromptReport;
// the desktop app summarises its prepared prompt with summarizePrompt. Torch-free.
#include "core/result.h"
#include "intervene/intervention.h"
#include "metrics/method_defaults.h"
#include "metrics/secondary_sinks.h"
#include "metrics/sink_dimensions.h"
#include "model/image_input.h"
#include "model/model.h"
#include "session/prompt_metrics.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace sinkscope {

// The measures of one prompt's pass, from its PromptMetricsObserver.
struct PromptSummary {
    std::vector<std::vector<double>> alpha0; // [layer][head]
    double sinkRate = 0;                     // Sink_1^ε over this prompt's heads, percent
    SinkDimensions dims;                     // massive residual channels and their tokens
    SecondarySinkTable secondary;            // tokens whose state turns BOS-like
    // Value norm of token 0 over the mean of the others, [layer][head] (< 1: value-state drain).
    std::vector<std::vector<double>> valueDrain;
    // Key and value norms per token, mean over the heads that reported one, [layer][token].
    std::vector<std::vector<float>> meanKeyNorms, meanValueNorms;
};
PromptSummary summarizePrompt(const PromptMetricsObserver& obs, int layers, int heads, double eps,
                              const SinkDimensionsOptions& dims = {});

struct PromptReportOptions {
    double eps = kSinkEpsilon;              // Sink_1^ε and the sink-head threshold
    SinkDimensionsOptions dims;             // τ of the sink dimensions (first prompt)
    BeyondOptions beyond;                   // catch-tag-release and span heads, measured on the first prompt
    const ImageEmbeddings* image = nullptr; // LLaVA: the picture at every prompt's image tokens
};

// Many prompts through one model: α₀ of every prompt, their mean and Sink_1^ε over all of them;
// the head-level details of the first prompt (its observer and summary).
struct PromptReport {
    std::vector<std::vector<std::vector<double>>> alpha0; // [prompt][layer][head]
    std::vector<std::vector<double>> meanAlpha0;          // [layer][head]
    double sinkRate = 0;                                  // percent of (prompt, layer, head)
    std::vector<std::vector<bool>> sinkHeads;             // mean α₀ > ε
    std::unique_ptr<PromptMetricsObserver> first;
    PromptSummary firstSummary;
};
// progress(done, total) after each prompt. Errors name the prompt ("prompt 3: ...").
Result<PromptReport> measurePrompts(const Model& model, const std::vector<std::vector<std::int32_t>>& prompts,
                                    const Interventions& interventions, const PromptReportOptions& options,
                                    const std::function<void(int done, int total)>& progress = {});

} // namespace sinkscope

#pragma once
// timeline.json, the sink timeline a training run directory keeps (one TimelinePoint per
// checkpoint): written by the trainer, read by the CLI's timeline command and the desktop app's
// timeline panel. Here rather than beside the trainer so that a reader needs only the trace
// library, not the autograd trainer.
#include "core/result.h"
#include "trace/trace_types.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace sinkscope {

inline constexpr const char* kTimelineFileName = "timeline.json";

// The whole file: {"points": [{"step", "tokens", "train_loss", ...}]} with the members of `about`
// beside "points" (the trainer describes its probe set and lesson measurements there), indented
// by one space and ending in a newline.
std::string timelineFileText(const std::vector<TimelinePoint>& points, const nlohmann::json& about);
// Points as timeline.json writes them, with nothing beside them.
std::string timelinePointsJson(const std::vector<TimelinePoint>& points);

// runDir/timeline.json in full or not at all: a full disk keeps the previous file.
Status writeTimelineFile(const std::string& runDir, const std::vector<TimelinePoint>& points,
                         const nlohmann::json& about);

// The timeline recorded so far (runDir/timeline.json). Errors name the file.
Result<std::vector<TimelinePoint>> readTimeline(const std::string& runDir);

} // namespace sinkscope

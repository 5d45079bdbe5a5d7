#pragma once
// A training timeline as a user names one to compare against (`timeline --versus SOURCE`, the
// Training timeline panel's "Compare with"): a run directory (or a model directory exported from
// one) holding timeline.json, or TRACE:NAME, the timeline NAME stored in the trace file TRACE.
#include "core/result.h"
#include "trace/trace_types.h"

#include <string>
#include <vector>

namespace sinkscope {

struct TimelineSource {
    std::string runDir;      // or
    std::string trace, name; // a trace file and the timeline's name in it
    std::string label;       // for legends: the directory's or the timeline's name
};

// "DIR" or "TRACE:NAME" (split at the last ':' whose left part is an existing file, so that a
// directory with ':' in its path still reads as a directory). Errors name the text.
Result<TimelineSource> parseTimelineSource(const std::string& text);

// The points; an error names the file, and a source without checkpoints is one.
Result<std::vector<TimelinePoint>> loadTimelineSource(const TimelineSource& source);

} // namespace sinkscope

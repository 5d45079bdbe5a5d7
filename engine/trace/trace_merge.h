#pragma once
// Merging trace files: the shards a sweep's tasks write, each its own file, into one trace.
//
// Every run of every shard is copied with all its rows under a fresh id; runs written together
// (a base run and its intervened run) stay one group, named after the new id of its first run.
// A group the output holds already, with the same content (trace_merge_rows.h says what counts),
// is not copied again, so merging a shard twice, or into a file that holds its runs, changes
// nothing. Training timelines are copied point by point; a point that differs from the one
// already merged at the same step is refused.
//
// Every shard is checked before anything is written: it must be a trace of this build's schema
// or an older one (migrated as opening it to read migrates it), not a newer one, and pass
// SQLite's quick_check. The output, when it exists, is opened to write (checked the same way) and
// everything is added in one transaction; when it does not, it is written under a temporary name
// beside it and renamed into place. A failure, a cancel or a kill leaves the output as it was.
#include "core/result.h"
#include "trace/trace_store.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sinkscope {

struct MergeReport {
    int shards = 0;
    std::int64_t runsMerged = 0;  // copied into the output
    std::int64_t runsPresent = 0; // the same as a run of the output or of an earlier shard
    std::int64_t timelinePointsMerged = 0, timelinePointsPresent = 0;
    bool created = false; // the output did not exist before
};

struct MergeProgress {
    int shard = 0; // 0-based index into the shards, in the order given
    int shards = 0;
    std::int64_t groupsDone = 0, groups = 0; // of this shard
};

// Called after each group; returning false cancels the merge (the output stays as it was).
using MergeProgressFn = std::function<bool(const MergeProgress&)>;

// Errors are one line naming the file at fault. Another program writing the output is waited
// for as `wait` says (TraceStore::setWriteWait).
Result<MergeReport> mergeTraces(const std::vector<std::string>& shards, const std::string& out,
                                const MergeProgressFn& progress = {}, TraceStore::WriteWait wait = {});

} // namespace sinkscope

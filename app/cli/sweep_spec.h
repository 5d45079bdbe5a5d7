#pragma once
// A sweep's spec file (JSON) and the tasks it makes: one per (model, intervention) pair, each
// tracing every prompt of the prompts file into its own shard. Read and checked whole before
// anything runs, so that a typo fails in one line naming the file, the key and the value rather
// than after hours of tracing.
#include "core/result.h"

#include <string>
#include <vector>

namespace sinkscope::cli {

struct SweepSpec {
    std::string path;                       // the spec file, as given
    std::vector<std::string> models;        // resolved against the spec's directory
    std::string promptsFile;                // resolved against the spec's directory
    std::vector<std::string> interventions; // one SPEC each; "none": the unmodified run
    bool storeMaps = false;                 // "maps": every map, as `trace` stores them
    std::string shardsDir;                  // resolved; empty: <out>.shards
    int maxNewTokens = 0;
    int prompts = 0; // non-blank lines of the prompts file
};

struct SweepTask {
    int index = 0;
    std::string model;
    std::string intervention;
};

// Reads and checks the spec: known keys with values of the right type, every intervention SPEC
// parsed, the models present and the prompts file a readable file holding prompts.
Result<SweepSpec> readSweepSpec(const std::string& path);

// Models in order, each with every intervention in order.
std::vector<SweepTask> sweepTasks(const SweepSpec& spec);

// A task's files in the shards directory: its trace, its mark of success and its error.
std::string taskShardPath(const std::string& dir, int index);
std::string taskDonePath(const std::string& dir, int index);
std::string taskErrorPath(const std::string& dir, int index);
// What a done mark holds: the task as the spec gave it, so that a mark left by a different spec
// is not taken for this task's.
std::string taskIdentity(const SweepSpec& spec, const SweepTask& task);

} // namespace sinkscope::cli

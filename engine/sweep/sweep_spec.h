#pragma once
// A sweep's spec file (JSON) and the tasks it makes: one per (model, intervention) pair, each
// tracing every prompt of the prompts file into its own shard. Read and checked whole before
// anything runs, so that a typo fails in one line naming the file, the key and the value rather
// than after hours of tracing.
#include "core/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

struct SweepSpec {
    std::string path;                       // the spec file, as given
    std::vector<std::string> models;        // resolved against the spec's directory
    std::string promptsFile;                // resolved against the spec's directory
    std::vector<std::string> interventions; // one SPEC each; "none": the unmodified run
    bool storeMaps = false;                 // "maps": every map, as `trace` stores them
    std::string shardsDir;                  // resolved; empty: <out>.shards
    int maxNewTokens = 0;
    int prompts = 0; // non-blank lines of the prompts file (set by readSweepSpec)
};

struct SweepTask {
    int index = 0;
    std::string model;
    std::string intervention;
};

// The spec's text alone: known keys with values of the right type, every intervention SPEC
// parsed, paths resolved against `path`'s directory. Touches no file (the fuzz target's entry).
Result<SweepSpec> parseSweepSpec(std::string_view text, const std::string& path);

// Reads the file and parses it, then checks what it names: every model present, a directory of
// checkpoints (step1000/, step2000/, ... with no model of its own; checkpoint_name.h) expanded
// into one model per checkpoint in step order, and the prompts file a readable file of prompts.
Result<SweepSpec> readSweepSpec(const std::string& path);

// Models in order, each with every intervention in order.
std::vector<SweepTask> sweepTasks(const SweepSpec& spec);

} // namespace sinkscope

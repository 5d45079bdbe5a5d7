#pragma once
// One task of a sweep, run in its own process (`sinkscope-cli sweep-task`, hidden): one model,
// one intervention, every prompt of the spec's prompts file traced into the task's shard. The
// process that runs a task holds one model and frees it on exit, so workers never share memory.
#include "sweep/sweep_spec.h"

#include <CLI/CLI.hpp>
#include <string>

namespace sinkscope::cli {

// Traces the task into its shard from scratch (a shard left by an earlier, unfinished try is
// deleted first), then writes its done mark. Nothing else is written when it fails.
Status runSweepTask(const SweepSpec& spec, const SweepTask& task, const std::string& shardsDir);

struct SweepTaskOptions {
    std::string spec;
    int task = 0;
    std::string shards;
};

// A failed task writes its one-line error beside its shard, for the sweep to report.
CLI::App* addSweepTaskCommand(CLI::App& app, SweepTaskOptions& options);
int runSweepTaskCommand(const SweepTaskOptions& options);

} // namespace sinkscope::cli

#pragma once
// `sinkscope-cli sweep SPEC.json --out OUT`: traces every prompt of a prompts file through every
// (model, intervention) pair of the spec, each pair a task in its own process writing its own
// shard, then merges the shards into OUT. The tasks run in worker processes on this machine
// (sweep_local.h) or as a Slurm job array (`--slurm`, sweep_slurm.h). A task that finished is
// never redone: running the same command again after a crash or a cancel does only what is left.
#include "sweep_slurm.h"

#include <CLI/CLI.hpp>
#include <string>

namespace sinkscope::cli {

struct SweepOptions {
    std::string spec;
    std::string out;
    int workers = 1;
    bool dryRun = false;
    bool slurm = false;
    SlurmOptions slurmOptions;
};

CLI::App* addSweepCommand(CLI::App& app, SweepOptions& options);
int runSweepCommand(const SweepOptions& options);

} // namespace sinkscope::cli

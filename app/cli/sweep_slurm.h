#pragma once
// The Slurm runner of `sweep --slurm`: the pending tasks as one job array, submitted with sbatch
// and followed with squeue (sacct, where the cluster keeps accounting, for tasks that already left
// the queue). Slurm schedules; SinkScope only writes the script and reads the marks the tasks
// leave in the shards directory, which every node must see (a shared file system).
#include "sweep/sweep_spec.h"

#include <map>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct SlurmOptions {
    std::vector<std::string> sbatchArgs; // each becomes one `#SBATCH ARG` line, e.g. --partition=gpu
    bool dryRun = false;                 // print the script; submit nothing, write nothing
    double pollSeconds = 5;              // how often squeue is asked
};

// What the script runs: absolute paths, so a node starting in another directory finds them.
struct SlurmScript {
    std::string cli;     // this sinkscope-cli
    std::string spec;    // the spec file
    std::string shards;  // the shards directory
    std::string workdir; // where the tasks start (the directory the sweep was started in)
    std::vector<int> tasks;
    std::vector<std::string> sbatchArgs;
};

// "0-3,5,7-8": the task indices (sorted, distinct) as sbatch's --array list.
std::string arrayRanges(const std::vector<int>& tasks);

// The sbatch script: one array element per task, each running `sinkscope-cli sweep-task`, with
// its output in task-%a.log beside its shard.
std::string sbatchScript(const SlurmScript& script);

// Submits the pending tasks (or, when a job an earlier call submitted still holds some of them,
// follows that job for those), follows every job until no task is pending or running, and
// returns the tasks that failed with their errors. A job still queued when the user stops the
// sweep keeps running in Slurm; the same command follows it again.
Result<std::map<int, std::string>> runTasksOnSlurm(const SweepSpec& spec, const std::vector<SweepTask>& tasks,
                                                   const std::vector<int>& pending, int done,
                                                   const std::string& dir, const SlurmOptions& options);

} // namespace sinkscope::cli

#include "sweep_command.h"

#include "cli_common.h"
#include "sweep/sweep_spec.h"
#include "sweep/sweep_tasks.h"
#include "sweep_local.h"
#include "trace/trace_merge.h"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <vector>

namespace sinkscope::cli {

namespace fs = std::filesystem;

namespace {

int printTasks(const SweepSpec& spec, const std::vector<SweepTask>& tasks, const std::string& dir) {
    for (const auto& t : tasks)
        fmt::print("task {}: model {}, intervention {}, {} prompt{} -> {}{}\n", t.index, t.model,
                   t.intervention, spec.prompts, spec.prompts == 1 ? "" : "s", taskShardPath(dir, t.index),
                   taskDone(spec, t, dir) ? " (done)" : "");
    return 0;
}

// The finished tasks' shards into `out` (atomic; runs already there are not added twice).
Result<std::int64_t> mergeShards(const std::vector<SweepTask>& tasks,
                                 const std::map<int, std::string>& failed, const std::string& dir,
                                 const std::string& out) {
    std::vector<std::string> shards;
    for (const auto& t : tasks)
        if (!failed.count(t.index)) shards.push_back(taskShardPath(dir, t.index));
    if (shards.empty()) return std::int64_t{0};
    Progress merging("sweep: merging shards");
    const auto report = mergeTraces(
        shards, out,
        [&](const MergeProgress& p) {
            if (p.groupsDone == p.groups) merging.update(p.shard + 1, p.shards);
            return true;
        },
        noisyWriteWait(out));
    if (!report) return report.error();
    return report->runsMerged + report->runsPresent;
}

} // namespace

CLI::App* addSweepCommand(CLI::App& app, SweepOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "sweep",
        "Trace a prompts file through every model x intervention of a spec, in worker processes or as "
        "a Slurm job array, into one trace; rerunning it resumes");
    cmd->add_option("spec", o.spec,
                    "Sweep spec (JSON): models (paths; a directory of step*/checkpoint-* directories is one "
                    "model per checkpoint), prompts_file, interventions, store, shards_dir, max_new_tokens")
        ->required();
    cmd->add_option("--out", o.out, "Trace file the shards are merged into")->required();
    auto* workers =
        cmd->add_option("--workers", o.workers, "Tasks run at once on this machine, each in its own process")
            ->check(CLI::Range(1, 256));
    auto* slurm =
        cmd->add_flag("--slurm", o.slurm,
                      "Run the tasks as a Slurm job array (sbatch), follow it (squeue) and merge; the "
                      "shards directory must be on a file system every node sees");
    cmd->add_option("--sbatch-arg", o.slurmOptions.sbatchArgs,
                    "With --slurm: one more #SBATCH line, e.g. --sbatch-arg=--partition=cpu (repeatable)")
        ->allow_extra_args(false)
        ->needs(slurm);
    cmd->add_option("--poll", o.slurmOptions.pollSeconds, "With --slurm: seconds between squeue calls")
        ->check(CLI::Range(0.05, 3600.0))
        ->needs(slurm);
    workers->excludes(slurm);
    cmd->add_flag("--dry-run", o.dryRun,
                  "Print the tasks (with --slurm: the sbatch script); run nothing, write nothing");
    return cmd;
}

int runSweepCommand(const SweepOptions& o) {
    auto spec = readSweepSpec(o.spec);
    if (!spec) return fail(spec.error().message);
    const std::string dir = spec->shardsDir.empty() ? o.out + ".shards" : spec->shardsDir;
    const auto tasks = sweepTasks(*spec);

    std::vector<int> pending;
    int done = 0;
    for (const auto& t : tasks) {
        if (taskDone(*spec, t, dir))
            ++done;
        else
            pending.push_back(t.index);
    }
    if (o.dryRun && !o.slurm) return printTasks(*spec, tasks, dir);

    std::map<int, std::string> failed;
    if (!o.dryRun) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) return fail(fmt::format("{}: cannot create the shards directory ({})", dir, ec.message()));
        // Unfinished or failed before: redone from scratch (the task deletes its partial shard).
        for (int index : pending)
            clearTaskMarks(dir, index);
    }
    if (o.slurm) {
        SlurmOptions slurm = o.slurmOptions;
        slurm.dryRun = o.dryRun;
        auto result = runTasksOnSlurm(*spec, tasks, pending, done, dir, slurm);
        if (!result) return fail(result.error().message);
        if (o.dryRun) return 0;
        failed = std::move(*result);
    } else {
        failed = runTasksLocally(*spec, tasks, pending, done, dir, o.workers);
    }

    auto runs = mergeShards(tasks, failed, dir, o.out);
    if (!runs) return fail(runs.error().message);
    for (const auto& [index, error] : failed) {
        const auto& t = tasks[static_cast<std::size_t>(index)];
        std::fprintf(stderr, "sinkscope-cli: sweep task %d (%s, %s) failed: %s\n", index, t.model.c_str(),
                     t.intervention.c_str(), error.c_str());
    }
    if (!failed.empty())
        std::fprintf(stderr,
                     "sinkscope-cli: the same command redoes the %zu failed task%s and nothing else\n",
                     failed.size(), failed.size() == 1 ? "" : "s");
    fmt::print("sweep: {} tasks ({} failed), {} runs in {}\n", tasks.size(), failed.size(), *runs, o.out);
    return failed.empty() ? 0 : 1;
}

} // namespace sinkscope::cli

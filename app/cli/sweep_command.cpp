#include "sweep_command.h"

#include "cli_common.h"
#include "core/atomic_file.h"
#include "core/read_file.h"
#include "sweep_spec.h"
#include "trace/trace_merge.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sinkscope::cli {

namespace fs = std::filesystem;

namespace {

// A done mark counts only when it names this task: a mark from another spec is redone.
bool taskDone(const SweepSpec& spec, const SweepTask& task, const std::string& dir) {
    auto mark = readWholeFile(taskDonePath(dir, task.index), kConfigFile);
    return mark && *mark == taskIdentity(spec, task) && fs::exists(taskShardPath(dir, task.index));
}

std::string firstLine(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

// The task in a process of this same binary; its output goes to task-<i>.log beside the shard.
Result<pid_t> startTask(const SweepOptions& o, const std::string& dir, int index) {
    const std::string self = "/proc/self/exe";
    std::vector<std::string> args = {"sinkscope-cli",       "sweep-task", o.spec, "--task",
                                     std::to_string(index), "--shards",   dir};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (fs::path(dir) / fmt::format("task-{}.log", index)).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    const int err = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return Error{fmt::format("cannot start task {} ({})", index, std::strerror(err))};
    return pid;
}

// Why a task that left no done mark failed: its own line, or how its process ended.
std::string failureOf(const std::string& dir, int index, int status) {
    if (auto line = readWholeFile(taskErrorPath(dir, index), kConfigFile); line && !line->empty())
        return firstLine(*line);
    std::string why = WIFSIGNALED(status)
                          ? fmt::format("the task's process was killed by signal {}", WTERMSIG(status))
                          : fmt::format("the task's process exited with code {} and no error",
                                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    (void)writeFileAtomically(taskErrorPath(dir, index), why + "\n");
    return why;
}

int printTasks(const SweepSpec& spec, const std::vector<SweepTask>& tasks, const std::string& dir) {
    for (const auto& t : tasks)
        fmt::print("task {}: model {}, intervention {}, {} prompt{} -> {}\n", t.index, t.model,
                   t.intervention, spec.prompts, spec.prompts == 1 ? "" : "s", taskShardPath(dir, t.index));
    return 0;
}

} // namespace

CLI::App* addSweepCommand(CLI::App& app, SweepOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "sweep", "Trace a prompts file through every model x intervention of a spec, in worker processes, "
                 "into one trace; rerunning it resumes");
    cmd->add_option(
           "spec", o.spec,
           "Sweep spec (JSON): models, prompts_file, interventions, store, shards_dir, max_new_tokens")
        ->required();
    cmd->add_option("--out", o.out, "Trace file the shards are merged into")->required();
    cmd->add_option("--workers", o.workers, "Tasks run at once, each in its own process holding one model")
        ->check(CLI::Range(1, 256));
    cmd->add_flag("--dry-run", o.dryRun, "Print the tasks; run nothing, write nothing");
    return cmd;
}

int runSweepCommand(const SweepOptions& o) {
    auto spec = readSweepSpec(o.spec);
    if (!spec) return fail(spec.error().message);
    const std::string dir = spec->shardsDir.empty() ? o.out + ".shards" : spec->shardsDir;
    const auto tasks = sweepTasks(*spec);
    if (o.dryRun) return printTasks(*spec, tasks, dir);

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(fmt::format("{}: cannot create the shards directory ({})", dir, ec.message()));

    std::vector<int> pending;
    int done = 0;
    for (const auto& t : tasks) {
        if (taskDone(*spec, t, dir)) {
            ++done;
            continue;
        }
        // Unfinished or failed before: redone from scratch (the task deletes its partial shard).
        fs::remove(taskDonePath(dir, t.index), ec);
        fs::remove(taskErrorPath(dir, t.index), ec);
        pending.push_back(t.index);
    }

    std::map<int, std::string> failed; // task -> its error
    std::map<pid_t, int> running;      // process -> task
    const int total = static_cast<int>(tasks.size());
    // "sweep: tasks 3/8 (...)", then "sweep (1 failed): tasks 4/8 (...)": a new line per failure.
    std::unique_ptr<Progress> progress = std::make_unique<Progress>("sweep: tasks");
    std::size_t shownFailures = 0;
    auto show = [&] {
        if (failed.size() != shownFailures) {
            shownFailures = failed.size();
            progress = std::make_unique<Progress>(fmt::format("sweep ({} failed): tasks", shownFailures));
        }
        progress->update(done + static_cast<int>(failed.size()), total);
    };
    std::size_t next = 0;
    while (next < pending.size() || !running.empty()) {
        while (next < pending.size() && static_cast<int>(running.size()) < o.workers) {
            const int index = pending[next++];
            auto pid = startTask(o, dir, index);
            if (!pid) {
                failed[index] = pid.error().message;
                (void)writeFileAtomically(taskErrorPath(dir, index), pid.error().message + "\n");
                continue;
            }
            running[*pid] = index;
        }
        if (running.empty()) break;
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            return fail(fmt::format("waiting for the sweep's tasks failed ({})", std::strerror(errno)));
        }
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const int index = it->second;
        running.erase(it);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
            taskDone(*spec, tasks[static_cast<std::size_t>(index)], dir))
            ++done;
        else
            failed[index] = failureOf(dir, index, status);
        show();
    }
    progress.reset();

    std::vector<std::string> shards;
    for (const auto& t : tasks)
        if (!failed.count(t.index)) shards.push_back(taskShardPath(dir, t.index));
    std::int64_t runs = 0;
    if (!shards.empty()) {
        Progress merging("sweep: merging shards");
        const auto report = mergeTraces(
            shards, o.out,
            [&](const MergeProgress& p) {
                if (p.groupsDone == p.groups) merging.update(p.shard + 1, p.shards);
                return true;
            },
            noisyWriteWait(o.out));
        if (!report) return fail(report.error().message);
        runs = report->runsMerged + report->runsPresent;
    }
    for (const auto& [index, error] : failed) {
        const auto& t = tasks[static_cast<std::size_t>(index)];
        std::fprintf(stderr, "sinkscope-cli: sweep task %d (%s, %s) failed: %s\n", index, t.model.c_str(),
                     t.intervention.c_str(), error.c_str());
    }
    fmt::print("sweep: {} tasks ({} failed), {} runs in {}\n", total, failed.size(), runs, o.out);
    return failed.empty() ? 0 : 1;
}

} // namespace sinkscope::cli

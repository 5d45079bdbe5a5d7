#include "sweep_local.h"

#include "cli_common.h"
#include "sweep/sweep_tasks.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sinkscope::cli {

namespace {

// The task in a process of this same binary; its output goes to task-<i>.log beside the shard.
Result<pid_t> startTask(const std::string& specPath, const std::string& dir, int index) {
    const std::string self = "/proc/self/exe";
    std::vector<std::string> args = {"sinkscope-cli",       "sweep-task", specPath, "--task",
                                     std::to_string(index), "--shards",   dir};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = taskLogPath(dir, index);
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
    if (auto line = taskError(dir, index)) return *line;
    std::string why = WIFSIGNALED(status)
                          ? fmt::format("the task's process was killed by signal {}", WTERMSIG(status))
                          : fmt::format("the task's process exited with code {} and no error",
                                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    (void)recordTaskError(dir, index, why);
    return why;
}

} // namespace

std::map<int, std::string> runTasksLocally(const SweepSpec& spec, const std::vector<SweepTask>& tasks,
                                           const std::vector<int>& pending, int done, const std::string& dir,
                                           int workers) {
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
        while (next < pending.size() && static_cast<int>(running.size()) < workers) {
            const int index = pending[next++];
            auto pid = startTask(spec.path, dir, index);
            if (!pid) {
                failed[index] = pid.error().message;
                (void)recordTaskError(dir, index, pid.error().message);
                continue;
            }
            running[*pid] = index;
        }
        if (running.empty()) break;
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            // No child left to wait for: whatever still counts as running cannot finish.
            for (const auto& [p, index] : running)
                failed[index] = fmt::format("lost track of the task's process ({})", std::strerror(errno));
            break;
        }
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const int index = it->second;
        running.erase(it);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
            taskDone(spec, tasks[static_cast<std::size_t>(index)], dir))
            ++done;
        else
            failed[index] = failureOf(dir, index, status);
        show();
    }
    return failed;
}

} // namespace sinkscope::cli

#include "sweep_slurm.h"

#include "cli_common.h"
#include "core/atomic_file.h"
#include "core/read_file.h"
#include "subprocess.h"
#include "sweep/sweep_tasks.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>
#include <sstream>
#include <thread>

namespace sinkscope::cli {

namespace fs = std::filesystem;

namespace {

// A word the shell takes as it is: single quotes, each ' written as '\''.
std::string shellQuoted(const std::string& word) {
    std::string out = "'";
    for (char c : word)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Slurm's states (squeue/sacct): still to run, running, or ended.
enum class Phase { Pending, Running, Ended };

Phase phaseOf(const std::string& state) {
    static const std::set<std::string> pending = {"PENDING",      "CONFIGURING", "REQUEUED",
                                                  "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING",
                                                  "SUSPENDED",    "STOPPED",     "SPECIAL_EXIT"};
    static const std::set<std::string> running = {"RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT"};
    if (pending.count(state)) return Phase::Pending;
    if (running.count(state)) return Phase::Running;
    return Phase::Ended;
}

// Each array task's state in the job, from squeue; an empty map once Slurm forgot the job.
Result<std::map<int, std::string>> queueStates(const std::string& job) {
    auto r = runProcess({"squeue", "-h", "-r", "-t", "all", "-j", job, "-o", "%K|%T"});
    if (!r) return r.error();
    if (r->exitCode != 0) {
        if (r->err.find("Invalid job id") != std::string::npos) return std::map<int, std::string>{};
        return Error{fmt::format("squeue failed for job {}: {}", job, r->err.substr(0, r->err.find('\n')))};
    }
    std::map<int, std::string> states;
    std::istringstream in(r->out);
    std::string line;
    while (std::getline(in, line)) {
        const auto bar = line.find('|');
        if (bar == std::string::npos) continue;
        try {
            states[std::stoi(line.substr(0, bar))] = line.substr(bar + 1);
        } catch (const std::exception&) {
            // Not an array task's row (e.g. "N/A"): not one of ours.
        }
    }
    return states;
}

// Where the cluster keeps accounting, sacct still knows tasks that left the queue; elsewhere it
// refuses, and the tasks' own marks are all there is.
std::map<int, std::string> accountedStates(const std::string& job) {
    std::map<int, std::string> states;
    auto r = runProcess({"sacct", "-n", "-P", "-X", "-j", job, "-o", "JobID,State"});
    if (!r || r->exitCode != 0) return states;
    std::istringstream in(r->out);
    std::string line;
    while (std::getline(in, line)) {
        const auto under = line.find('_'), bar = line.find('|');
        if (under == std::string::npos || bar == std::string::npos || bar < under) continue;
        try {
            // "CANCELLED by 0" -> "CANCELLED"
            states[std::stoi(line.substr(under + 1, bar - under - 1))] =
                line.substr(bar + 1, line.find(' ', bar) - bar - 1);
        } catch (const std::exception&) {
        }
    }
    return states;
}

std::string jobsFile(const std::string& dir) {
    return (fs::path(dir) / "slurm-jobs").string();
}

// The jobs an earlier call submitted: "JOB TASK TASK ..." per line.
std::map<std::string, std::vector<int>> earlierJobs(const std::string& dir) {
    std::map<std::string, std::vector<int>> jobs;
    auto text = readWholeFile(jobsFile(dir), kConfigFile);
    if (!text) return jobs;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string job;
        int task = 0;
        if (!(words >> job)) continue;
        while (words >> task)
            jobs[job].push_back(task);
    }
    return jobs;
}

Status rememberJobs(const std::string& dir, const std::map<std::string, std::vector<int>>& jobs) {
    std::string text;
    for (const auto& [job, list] : jobs)
        text += fmt::format("{} {}\n", job, fmt::join(list, " "));
    return writeFileAtomically(jobsFile(dir), text);
}

Result<std::string> submit(const std::string& scriptPath) {
    auto r = runProcess({"sbatch", "--parsable", scriptPath});
    if (!r) return Error{r.error().message + " (is Slurm's client, slurm-client, installed?)"};
    if (r->exitCode != 0)
        return Error{fmt::format("sbatch refused {}: {}", scriptPath, r->err.substr(0, r->err.find('\n')))};
    const std::string job = r->out.substr(0, r->out.find_first_of(";\n"));
    if (job.empty() || job.find_first_not_of("0123456789") != std::string::npos)
        return Error{fmt::format("sbatch printed no job id for {} ('{}')", scriptPath, r->out)};
    return job;
}

} // namespace

std::string arrayRanges(const std::vector<int>& tasks) {
    std::string out;
    for (std::size_t i = 0; i < tasks.size();) {
        std::size_t j = i;
        while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1)
            ++j;
        if (!out.empty()) out += ',';
        out += j == i ? std::to_string(tasks[i]) : fmt::format("{}-{}", tasks[i], tasks[j]);
        i = j + 1;
    }
    return out;
}

std::string sbatchScript(const SlurmScript& s) {
    std::string text = "#!/bin/bash\n";
    text +=
        "# A SinkScope sweep: `sinkscope-cli sweep --slurm` wrote this and follows the job; running that\n"
        "# command again resumes the sweep (finished tasks are not redone).\n";
    text += "#SBATCH --job-name=sinkscope-sweep\n";
    text += fmt::format("#SBATCH --array={}\n", arrayRanges(s.tasks));
    text += fmt::format("#SBATCH --output=\"{}\"\n", (fs::path(s.shards) / "task-%a.log").string());
    text += fmt::format("#SBATCH --chdir=\"{}\"\n", s.workdir);
    for (const auto& arg : s.sbatchArgs)
        text += fmt::format("#SBATCH {}\n", arg);
    text += fmt::format("exec {} sweep-task {} --task \"$SLURM_ARRAY_TASK_ID\" --shards {}\n",
                        shellQuoted(s.cli), shellQuoted(s.spec), shellQuoted(s.shards));
    return text;
}

Result<std::map<int, std::string>> runTasksOnSlurm(const SweepSpec& spec, const std::vector<SweepTask>& tasks,
                                                   const std::vector<int>& pending, int done,
                                                   const std::string& dir, const SlurmOptions& o) {
    for (const auto& arg : o.sbatchArgs)
        if (arg.find_first_of("\n\r") != std::string::npos)
            return Error{fmt::format("--sbatch-arg '{}': one option per argument, without line breaks", arg)};
    std::error_code ec;
    SlurmScript script{fs::read_symlink("/proc/self/exe", ec).string(),
                       fs::absolute(spec.path).string(),
                       fs::absolute(dir).string(),
                       fs::current_path(ec).string(),
                       {},
                       o.sbatchArgs};

    // Tasks a job submitted earlier still holds are followed there, never submitted twice.
    std::map<std::string, std::vector<int>> jobs;
    std::map<int, std::string> jobOf;
    const std::set<int> wanted(pending.begin(), pending.end());
    for (const auto& [job, list] : o.dryRun ? decltype(jobs){} : earlierJobs(dir)) {
        auto states = queueStates(job);
        if (!states) return states.error();
        for (const auto& [task, state] : *states)
            if (wanted.count(task) && phaseOf(state) != Phase::Ended) {
                jobs[job].push_back(task);
                jobOf[task] = job;
            }
    }
    for (int task : pending)
        if (!jobOf.count(task)) script.tasks.push_back(task);
    if (o.dryRun) {
        fmt::print("{}", sbatchScript(script));
        return std::map<int, std::string>{};
    }
    for (const auto& [job, list] : jobs)
        fmt::print(stderr, "sweep: following Slurm job {} submitted earlier ({} task{})\n", job, list.size(),
                   list.size() == 1 ? "" : "s");
    if (!script.tasks.empty()) {
        const std::string path = (fs::path(dir) / "sweep.sbatch").string();
        if (auto st = writeFileAtomically(path, sbatchScript(script)); !st) return st.error();
        auto job = submit(path);
        if (!job) return job.error();
        jobs[*job] = script.tasks;
        for (int task : script.tasks)
            jobOf[task] = *job;
        fmt::print(stderr,
                   "sweep: submitted Slurm job {} ({} task{}: {}). Stopping this command does not stop the "
                   "job; run it again to follow it, `scancel {}` to cancel it.\n",
                   *job, script.tasks.size(), script.tasks.size() == 1 ? "" : "s", arrayRanges(script.tasks),
                   *job);
    }
    if (auto st = rememberJobs(dir, jobs); !st) return st.error();

    std::map<int, std::string> failed;
    std::set<int> open(pending.begin(), pending.end());
    std::map<int, int> endedWithoutMark; // task -> polls seen ended with no mark (a shared file
                                         // system may show the mark a moment late)
    std::vector<std::string> jobIds;
    for (const auto& [job, list] : jobs)
        jobIds.push_back(job);
    Progress progress(
        fmt::format("sweep: Slurm job{} {}: tasks", jobIds.size() == 1 ? "" : "s", fmt::join(jobIds, ",")));
    std::string lastLine;
    int squeueFailures = 0;
    while (!open.empty()) {
        std::map<std::string, std::map<int, std::string>> states;
        bool queried = true;
        for (const auto& [job, list] : jobs) {
            auto s = queueStates(job);
            if (!s) {
                // The controller may be restarting: a minute of failures before giving up.
                if (++squeueFailures * o.pollSeconds > 60)
                    return Error{s.error().message + "; the job keeps running in Slurm, run the sweep "
                                                     "again to follow it"};
                queried = false;
                break;
            }
            states[job] = std::move(*s);
        }
        if (queried) squeueFailures = 0;
        int running = 0, waiting = 0;
        std::map<std::string, std::map<int, std::string>> accounted; // sacct, asked once per poll
        for (auto it = open.begin(); queried && it != open.end();) {
            const int task = *it;
            if (taskDone(spec, tasks[static_cast<std::size_t>(task)], dir)) {
                ++done;
                it = open.erase(it);
                continue;
            }
            const std::string& job = jobOf[task];
            auto found = states[job].find(task);
            std::string state = found == states[job].end() ? "" : found->second;
            if (state.empty()) { // it left the queue: sacct may still know how it ended
                if (!accounted.count(job)) accounted[job] = accountedStates(job);
                state = accounted[job][task];
            }
            if (!state.empty() && phaseOf(state) == Phase::Pending) ++waiting;
            if (!state.empty() && phaseOf(state) == Phase::Running) ++running;
            if ((state.empty() || phaseOf(state) == Phase::Ended) && ++endedWithoutMark[task] >= 2) {
                auto why = taskError(dir, task);
                failed[task] =
                    why ? *why
                        : fmt::format("Slurm ended it ({}) before it finished; see {}",
                                      state.empty() ? "no longer queued" : state, taskLogPath(dir, task));
                if (!why) (void)recordTaskError(dir, task, failed[task]);
                it = open.erase(it);
                continue;
            }
            ++it;
        }
        const std::string detail =
            fmt::format("{} running, {} pending, {} failed", running, waiting, failed.size());
        progress.update(done, static_cast<int>(tasks.size()), detail);
        if (!progress.enabled() && detail != lastLine) {
            fmt::print(stderr, "sweep: {}/{} tasks done, {}\n", done, tasks.size(), detail);
            lastLine = detail;
        }
        if (open.empty()) break;
        std::this_thread::sleep_for(std::chrono::duration<double>(o.pollSeconds));
    }
    fs::remove(jobsFile(dir), ec);
    return failed;
}

} // namespace sinkscope::cli

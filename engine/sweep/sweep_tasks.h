#pragma once
// A sweep task's files in the shards directory — its trace shard, its done mark, its error line —
// and what they say about the task. The marks are the one record of progress every runner shares:
// a local worker and a Slurm array task write the same files, so a sweep resumes under either.
#include "core/result.h"
#include "sweep/sweep_spec.h"

#include <optional>
#include <string>

namespace sinkscope {

std::string taskShardPath(const std::string& dir, int index);
std::string taskDonePath(const std::string& dir, int index);
std::string taskErrorPath(const std::string& dir, int index);
std::string taskLogPath(const std::string& dir, int index);

// What a done mark holds: the task as the spec gave it, so that a mark left by a different spec
// is not taken for this task's.
std::string taskIdentity(const SweepSpec& spec, const SweepTask& task);

// The task finished: its done mark names this task and its shard is there.
bool taskDone(const SweepSpec& spec, const SweepTask& task, const std::string& dir);

// The first line of the task's error file, when it wrote one.
std::optional<std::string> taskError(const std::string& dir, int index);

// Before a task is (re)done: its old done mark and error go.
void clearTaskMarks(const std::string& dir, int index);

// Records why a task failed when the task itself could not say (killed, never started).
Status recordTaskError(const std::string& dir, int index, const std::string& why);

} // namespace sinkscope

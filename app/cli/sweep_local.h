#pragma once
// The local runner of `sweep`: the pending tasks in worker processes of this same binary on this
// machine, at most `workers` at once, each holding one model and freeing it on exit.
#include "sweep/sweep_spec.h"

#include <map>
#include <string>
#include <vector>

namespace sinkscope::cli {

// Runs `pending` (task indices); `done` tasks finished before. Shows progress on stderr. Returns
// the tasks that failed, each with its one-line error (also left in its error file).
std::map<int, std::string> runTasksLocally(const SweepSpec& spec, const std::vector<SweepTask>& tasks,
                                           const std::vector<int>& pending, int done, const std::string& dir,
                                           int workers);

} // namespace sinkscope::cli

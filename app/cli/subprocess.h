#pragma once
// Runs another program (Slurm's sbatch, squeue, sacct) and collects what it prints, without a
// shell: arguments go to the program as they are, so paths with spaces or quotes stay intact.
#include "core/result.h"

#include <cstddef>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct ProcessOutput {
    int exitCode = 0; // 128 + the signal when a signal ended it
    std::string out;
    std::string err;
};

// argv[0] is looked up in PATH. Output beyond maxBytes per stream is read and dropped, so a
// chatty program neither blocks on a full pipe nor fills memory. Errors: the program could not be
// started (named with the reason).
Result<ProcessOutput> runProcess(const std::vector<std::string>& argv, std::size_t maxBytes = 1 << 20);

} // namespace sinkscope::cli

#include "openmp_wait.h"

#include <cstdlib>
#include <unistd.h>

namespace sinkscope::cli {

void reexecWithPassiveOpenMpWait(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    execv("/proc/self/exe", argv);
    // Still here: no /proc (or exec refused). Training works, only with the default waiting.
}

} // namespace sinkscope::cli

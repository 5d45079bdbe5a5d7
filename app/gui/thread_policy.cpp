#include "thread_policy.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace sinkscope::gui {

void ensurePassiveThreadWaits(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return; // set by us or chosen by the user
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
    std::fprintf(stderr, "sinkscope: could not restart with OMP_WAIT_POLICY=PASSIVE; the window may lag "
                         "during long runs\n");
}

} // namespace sinkscope::gui

#include "core/allocator.h"

#include <malloc.h>

#include <cstdlib>
#include <mutex>

namespace sinkscope {

void configureAllocatorForTensors() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Respect a user's explicit choice made through glibc's environment variables.
        if (std::getenv("MALLOC_MMAP_MAX_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return;
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 64 << 20);
    });
}

} // namespace sinkscope

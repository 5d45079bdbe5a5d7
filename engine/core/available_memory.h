#pragma once
// How much memory this process may still allocate, so that work whose size is known beforehand
// (a pass over a long prompt, a full attention capture) can be refused with one line instead of
// failing deep inside an allocator or being killed by the kernel.
#include <cstdint>
#include <string>

namespace sinkscope {

// The smallest of: MemAvailable (/proc/meminfo), the room left under this process's cgroup v2
// memory limit, and SINKSCOPE_MEMORY_LIMIT (bytes, or with a K/M/G/T suffix) when set. -1 when
// none of them can be read (then nothing is refused).
std::int64_t availableMemoryBytes();

// The most resident memory this process has held so far (VmHWM of /proc/self/status, which unlike
// getrusage's maxrss does not count the program that started it); -1 when it cannot be read.
std::int64_t peakResidentBytes();

// Parses "512M", "2G", "1.5G", "123456" (powers of 1024); -1 when not a size.
std::int64_t parseByteSize(const std::string& text);

} // namespace sinkscope

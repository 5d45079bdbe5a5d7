#include "core/available_memory.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace sinkscope {

namespace {

// One number from a small kernel file (procfs/cgroupfs files are not regular files of a known
// size, but they are bounded and never block); -1 when absent or "max".
std::int64_t readNumber(const char* path) {
    std::ifstream in(path);
    std::string word;
    if (!(in >> word) || word == "max") return -1;
    try {
        return std::stoll(word);
    } catch (const std::exception&) {
        return -1;
    }
}

// A "Name:   123 kB" line of a /proc file, in bytes; -1 when absent.
std::int64_t procKilobytes(const char* path, const std::string& name) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name, 0) != 0) continue;
        std::istringstream fields(line.substr(name.size()));
        std::int64_t kb = -1;
        if (fields >> kb) return kb * 1024;
    }
    return -1;
}

std::int64_t memAvailable() {
    return procKilobytes("/proc/meminfo", "MemAvailable:");
}

std::int64_t cgroupRoom() {
    // cgroup v2 mounted at the usual place; in a nested cgroup these files describe its own
    // limit (a container's), which is what the kernel enforces on this process.
    const std::int64_t limit = readNumber("/sys/fs/cgroup/memory.max");
    if (limit < 0) return -1;
    const std::int64_t used = readNumber("/sys/fs/cgroup/memory.current");
    return used < 0 ? limit : std::max<std::int64_t>(0, limit - used);
}

} // namespace

std::int64_t parseByteSize(const std::string& text) {
    if (text.empty()) return -1;
    std::size_t end = 0;
    double value = 0;
    try {
        value = std::stod(text, &end);
    } catch (const std::exception&) {
        return -1;
    }
    std::string unit = text.substr(end);
    if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
    double scale = 1;
    if (unit.empty())
        scale = 1;
    else if (unit.size() == 1 && std::string("KkMmGgTt").find(unit[0]) != std::string::npos)
        scale = std::pow(1024.0, 1 + static_cast<int>(std::string("KMGT").find(static_cast<char>(
                                         std::toupper(static_cast<unsigned char>(unit[0]))))));
    else
        return -1;
    const double bytes = value * scale;
    if (!std::isfinite(bytes) || bytes < 0 || bytes > 9.0e18) return -1;
    return static_cast<std::int64_t>(bytes);
}

std::int64_t peakResidentBytes() {
    return procKilobytes("/proc/self/status", "VmHWM:");
}

std::int64_t availableMemoryBytes() {
    std::int64_t best = -1;
    auto take = [&](std::int64_t v) {
        if (v >= 0) best = best < 0 ? v : std::min(best, v);
    };
    take(memAvailable());
    take(cgroupRoom());
    if (const char* env = std::getenv("SINKSCOPE_MEMORY_LIMIT")) take(parseByteSize(env));
    return best;
}

} // namespace sinkscope

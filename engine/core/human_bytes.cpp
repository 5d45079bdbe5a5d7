#include "core/human_bytes.h"

#include <array>
#include <fmt/format.h>

namespace sinkscope {

std::string humanBytes(std::uint64_t n) {
    if (n < 1024) return fmt::format("{} B", n);
    constexpr std::array<const char*, 5> units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = static_cast<double>(n) / 1024.0;
    std::size_t u = 0;
    for (; v >= 1024.0 && u + 1 < units.size(); v /= 1024.0)
        ++u;
    return fmt::format("{:.1f} {}", v, units[u]);
}

} // namespace sinkscope

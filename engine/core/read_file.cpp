#include "core/read_file.h"
#include "core/human_bytes.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

Result<std::string> readWholeFile(const std::string& path, const FileKind& kind) {
    auto file = RegularFile::open(path, kind);
    if (!file) return file.error();
    const std::uint64_t limit = std::min<std::uint64_t>(kind.maxBytes, std::uint64_t{1} << 62);
    std::string out;
    // The size fstat gave is only a hint (/proc files say 0, a log may grow): read until the end,
    // but never past the limit.
    out.resize(static_cast<std::size_t>(std::min(file->size(), limit)) + 1);
    std::size_t used = 0;
    for (;;) {
        if (used == out.size()) {
            if (used > limit)
                return Error{
                    fmt::format("{}: grows past the {} limit for {}", path, humanBytes(limit), kind.name)};
            out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(2 * used, limit + 1)));
        }
        const ssize_t n = ::read(file->fd(), out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    out.resize(used);
    return out;
}

} // namespace sinkscope

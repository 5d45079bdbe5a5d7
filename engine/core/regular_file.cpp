#include "core/regular_file.h"
#include "core/human_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

const char* fileTypeName(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFIFO:
        return "a FIFO";
    case S_IFDIR:
        return "a directory";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    case S_IFSOCK:
        return "a socket";
    case S_IFLNK:
        return "a symbolic link";
    case S_IFREG:
        return "a regular file";
    default:
        return "an unknown kind of file";
    }
}

Result<RegularFile> RegularFile::open(const std::string& path, const FileKind& kind) {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer. It changes nothing for
    // regular files, whose reads never block.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return Error{fmt::format("{}: cannot stat: {}", path, std::strerror(e))};
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{fmt::format("{}: is {}, not a regular file", path, fileTypeName(st.st_mode))};
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > kind.maxBytes) {
        ::close(fd);
        return Error{fmt::format("{}: is {}, more than the {} limit for {}", path, humanBytes(size),
                                 humanBytes(kind.maxBytes), kind.name)};
    }
    return RegularFile(fd, size);
}

RegularFile::RegularFile(RegularFile&& other) noexcept : m_fd(other.m_fd), m_size(other.m_size) {
    other.m_fd = -1;
}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = other.m_fd;
        m_size = other.m_size;
        other.m_fd = -1;
    }
    return *this;
}

RegularFile::~RegularFile() {
    if (m_fd >= 0) ::close(m_fd);
}

} // namespace sinkscope

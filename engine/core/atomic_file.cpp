#include "core/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sinkscope {

namespace {

namespace fs = std::filesystem;

// Writes come in pieces this size, so that a big export is not held twice in memory.
constexpr std::size_t kBufferBytes = 1 << 20;

std::string folderOf(const std::string& path) {
    const auto parent = fs::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

// Every byte written, or errno.
int writeAll(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return 0;
}

} // namespace

Result<AtomicFile> AtomicFile::create(const std::string& path) {
    AtomicFile f;
    f.m_path = path;
    f.m_target = path;
    if (path.empty()) return Error{"the output file's path is empty"};
    std::error_code ec;
    // Replace what a symbolic link points to, not the link.
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        auto real = fs::weakly_canonical(path, ec);
        if (!ec) f.m_target = real.string();
    }
    struct stat st {};
    const bool exists = ::stat(f.m_target.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return Error{fmt::format("{}: is a folder", path)};
    // A file the user may not write is not replaced behind their back (the rename could).
    if (exists && ::access(f.m_target.c_str(), W_OK) != 0)
        return Error{fmt::format("{}: cannot write the file ({})", path, std::strerror(errno))};
    if (exists && !S_ISREG(st.st_mode)) {
        f.m_fd = ::open(f.m_target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (f.m_fd < 0)
            return Error{fmt::format("{}: cannot open for writing ({})", path, std::strerror(errno))};
        return f;
    }
    // A hidden name beside the target: the rename stays within one file system.
    const auto name = fs::path(f.m_target).filename().string();
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        f.m_temp = (fs::path(folderOf(f.m_target)) / fmt::format(".{}.{:08x}.tmp", name, rd())).string();
        f.m_fd = ::open(f.m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f.m_fd >= 0 || errno != EEXIST) break;
    }
    if (f.m_fd < 0) {
        const int err = errno;
        f.m_temp.clear();
        return Error{fmt::format("{}: cannot create the file ({})", path, std::strerror(err))};
    }
    // A replaced file keeps its permissions, and its owner where we may set it (root).
    if (exists) {
        (void)::fchmod(f.m_fd, st.st_mode & 07777);
        if (::geteuid() == 0) (void)::fchown(f.m_fd, st.st_uid, st.st_gid);
    }
    return f;
}

AtomicFile::~AtomicFile() {
    abandon();
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : m_path(std::move(o.m_path)), m_target(std::move(o.m_target)), m_temp(std::exchange(o.m_temp, {})),
      m_fd(std::exchange(o.m_fd, -1)), m_buffer(std::move(o.m_buffer)), m_failure(std::move(o.m_failure)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
    if (this != &o) {
        abandon();
        m_path = std::move(o.m_path);
        m_target = std::move(o.m_target);
        m_temp = std::exchange(o.m_temp, {});
        m_fd = std::exchange(o.m_fd, -1);
        m_buffer = std::move(o.m_buffer);
        m_failure = std::move(o.m_failure);
    }
    return *this;
}

void AtomicFile::abandon() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    if (!m_temp.empty()) ::unlink(m_temp.c_str());
    m_temp.clear();
}

Error AtomicFile::fail(const std::string& what, int err) {
    m_failure = fmt::format("{}: {} ({})", m_path, what, std::strerror(err));
    abandon();
    return Error{m_failure};
}

Status AtomicFile::flushBuffer() {
    if (m_buffer.empty()) return okStatus();
    if (const int err = writeAll(m_fd, m_buffer.data(), m_buffer.size()))
        return fail("cannot write the file", err);
    m_buffer.clear();
    return okStatus();
}

Status AtomicFile::write(std::string_view bytes) {
    if (!m_failure.empty()) return Error{m_failure};
    if (m_fd < 0) return Error{fmt::format("{}: written already", m_path)};
    if (m_buffer.size() + bytes.size() > kBufferBytes) {
        if (auto s = flushBuffer(); !s) return s;
        if (bytes.size() >= kBufferBytes) {
            if (const int err = writeAll(m_fd, bytes.data(), bytes.size()))
                return fail("cannot write the file", err);
            return okStatus();
        }
    }
    m_buffer.append(bytes);
    return okStatus();
}

Status AtomicFile::commit() {
    if (!m_failure.empty()) return Error{m_failure};
    if (m_fd < 0) return Error{fmt::format("{}: written already", m_path)};
    if (auto s = flushBuffer(); !s) return s;
    // Some file systems report a full disk only when the data reach it. Devices and FIFOs
    // cannot sync (EINVAL): their writes were checked one by one.
    if (::fsync(m_fd) != 0 && errno != EINVAL) return fail("cannot write the file", errno);
    const int fd = std::exchange(m_fd, -1);
    if (::close(fd) != 0) return fail("cannot write the file", errno);
    if (m_temp.empty()) return okStatus();
    if (::rename(m_temp.c_str(), m_target.c_str()) != 0) return fail("cannot replace the file", errno);
    m_temp.clear();
    // The new name reaches the disk with its folder; a failure here loses nothing now.
    const int dir = ::open(folderOf(m_target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
    }
    return okStatus();
}

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
    auto f = AtomicFile::create(path);
    if (!f) return f.error();
    if (auto s = f->write(bytes); !s) return s;
    return f->commit();
}

} // namespace sinkscope

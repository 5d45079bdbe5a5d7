#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

Result<MappedFile> MappedFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        return Error{fmt::format("{}: cannot stat: {}", path, std::strerror(e))};
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{fmt::format("{}: not a regular file", path)};
    }
    MappedFile f;
    f.m_path = path;
    f.m_size = static_cast<std::size_t>(st.st_size);
    if (f.m_size > 0) {
        void* p = ::mmap(nullptr, f.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            return Error{fmt::format("{}: cannot map: {}", path, std::strerror(e))};
        }
        f.m_data = static_cast<const std::uint8_t*>(p);
    }
    ::close(fd); // the mapping keeps the file alive
    return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_data(other.m_data), m_size(other.m_size), m_path(std::move(other.m_path)) {
    other.m_data = nullptr;
    other.m_size = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        reset();
        m_data = other.m_data;
        m_size = other.m_size;
        m_path = std::move(other.m_path);
        other.m_data = nullptr;
        other.m_size = 0;
    }
    return *this;
}

MappedFile::~MappedFile() {
    reset();
}

void MappedFile::reset() {
    if (m_data) ::munmap(const_cast<std::uint8_t*>(m_data), m_size);
    m_data = nullptr;
    m_size = 0;
}

} // namespace sinkscope

#include "core/mapped_file.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

Result<MappedFile> MappedFile::open(const std::string& path, const FileKind& kind) {
    auto file = RegularFile::open(path, kind);
    if (!file) return file.error();
    MappedFile f;
    f.m_path = path;
    f.m_size = static_cast<std::size_t>(file->size());
    if (f.m_size > 0) {
        void* p = ::mmap(nullptr, f.m_size, PROT_READ, MAP_PRIVATE, file->fd(), 0);
        if (p == MAP_FAILED) return Error{fmt::format("{}: cannot map: {}", path, std::strerror(errno))};
        f.m_data = static_cast<const std::uint8_t*>(p);
    }
    return f; // the mapping keeps the file alive once the descriptor is closed
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

#pragma once
// MappedFile: a read-only memory map of a whole file. Move-only; unmaps on destruction.
// Model weights are read through it so that multi-gigabyte checkpoints are never copied twice.
#include "core/regular_file.h"
#include "core/result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace sinkscope {

class MappedFile {
public:
    // Maps a regular file of at most kind.maxBytes (regular_file.h: FIFOs, devices and directories
    // are refused without blocking).
    static Result<MappedFile> open(const std::string& path, const FileKind& kind = kWeightFile);

    MappedFile() = default;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    const std::uint8_t* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    const std::string& path() const { return m_path; }

private:
    void reset();
    const std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
    std::string m_path;
};

} // namespace sinkscope

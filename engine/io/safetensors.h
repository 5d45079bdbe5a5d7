#pragma once
// Reader for the safetensors format: an 8-byte little-endian header length, a JSON header that
// maps tensor names to dtype, shape and [begin, end) offsets, then the raw data. The header is
// validated completely (bounds, JSON, offsets inside the file, no overlaps, size = shape x dtype)
// before any tensor is handed out; the data stays memory-mapped.
#include "core/mapped_file.h"
#include "core/result.h"
#include "io/dtype.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sinkscope {

// A non-owning view of one tensor's bytes; valid while its owner lives.
struct TensorRef {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    const std::uint8_t* data = nullptr; // may be unaligned
    std::size_t nbytes = 0;
    std::string file; // where it came from, for error messages
    // GGUF block-quantized data: the GgmlType id (dtype U8, `shape` the logical [rows, cols], each
    // row a whole number of blocks); -1 for the plain dtypes.
    std::int32_t ggml = -1;

    std::int64_t numel() const;
};

std::string shapeToString(const std::vector<std::int64_t>& shape);

// The tensors and metadata of a safetensors file held in memory, validated as SafetensorsFile::open
// does; the TensorRefs point into bytes. path names the file in errors.
struct SafetensorsHeader {
    std::vector<TensorRef> tensors; // sorted by data offset
    std::map<std::string, std::string> metadata;
};
Result<SafetensorsHeader> parseSafetensors(const std::uint8_t* bytes, std::uint64_t size,
                                           const std::string& path);

class SafetensorsFile {
public:
    // Largest header we accept; real headers are a few hundred KiB at most.
    static constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

    static Result<SafetensorsFile> open(const std::string& path);

    const std::vector<TensorRef>& tensors() const { return m_tensors; }
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    const std::string& path() const { return m_file.path(); }

private:
    MappedFile m_file;
    std::vector<TensorRef> m_tensors; // sorted by data offset
    std::map<std::string, std::string> m_metadata;
};

} // namespace sinkscope

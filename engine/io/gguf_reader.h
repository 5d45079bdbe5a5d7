#pragma once
// Reader for GGUF files (llama.cpp's format). The whole file is validated before anything is handed
// out: magic, version, every key/value (types, string lengths, array counts, nesting), the tensor
// infos (names, dims, types, row sizes against block sizes), general.alignment, every tensor's
// offset aligned and inside the file, no two tensors overlapping. Strings and tensor data stay in
// the memory map: nothing is copied, and no count read from the file is trusted before it has been
// checked against the bytes that remain.
#include "core/mapped_file.h"
#include "core/result.h"
#include "io/gguf_format.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinkscope {

// One metadata value. Scalars and arrays of scalars point at their little-endian bytes in the
// file; strings are views into it.
struct GgufValue {
    GgufValueType type = GgufValueType::U8;
    const std::uint8_t* scalar = nullptr; // scalar types
    std::string_view string;              // String
    // Array: the element type and count; the elements are in exactly one of the three below.
    GgufValueType elementType = GgufValueType::U8;
    std::uint64_t count = 0;
    const std::uint8_t* elements = nullptr; // packed scalars
    std::vector<std::string_view> strings;  // strings
    std::vector<GgufValue> arrays;          // nested arrays

    // Typed reads; nullopt when the value has another type (integers of any width and signedness
    // read as integers when they fit in int64; f32 and f64 read as doubles).
    std::optional<std::int64_t> asInt() const;
    std::optional<double> asDouble() const;
    std::optional<bool> asBool() const;
    std::optional<std::string_view> asString() const;
    // Element i of an array of integers / of floats.
    std::optional<std::int64_t> intAt(std::uint64_t i) const;
    std::optional<double> doubleAt(std::uint64_t i) const;
    // "u32", "array of string", ...
    std::string typeName() const;
};

struct GgufTensorInfo {
    std::string_view name;
    std::vector<std::uint64_t> dims; // ggml's ne: innermost (row length) first
    std::uint32_t type = 0;          // a GgmlType id; known to ggmlTypeTraits
    std::uint64_t offset = 0;        // from the start of the data section
    std::uint64_t elements = 0;
    std::uint64_t nbytes = 0;
    const std::uint8_t* data = nullptr;
};

class GgufFile {
public:
    // Maps and validates path.
    static Result<GgufFile> open(const std::string& path);
    // Validates bytes the caller keeps alive as long as the GgufFile (tests, the fuzzer); name
    // stands for the file in messages.
    static Result<GgufFile> parse(const std::uint8_t* data, std::size_t size, std::string name);

    const std::string& path() const { return m_path; }
    std::uint32_t version() const { return m_version; }
    std::uint64_t alignment() const { return m_alignment; }
    std::uint64_t dataOffset() const { return m_dataOffset; }
    std::size_t size() const { return m_size; }

    const std::vector<std::pair<std::string_view, GgufValue>>& metadata() const { return m_metadata; }
    const GgufValue* find(std::string_view key) const;
    const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }
    const GgufTensorInfo* findTensor(std::string_view name) const;

private:
    class Parser;
    MappedFile m_file; // empty for parse()
    const std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
    std::string m_path;
    std::uint32_t m_version = 0;
    std::uint64_t m_alignment = kGgufDefaultAlignment;
    std::uint64_t m_dataOffset = 0;
    std::vector<std::pair<std::string_view, GgufValue>> m_metadata; // in file order
    std::unordered_map<std::string_view, std::size_t> m_keyIndex;
    std::vector<GgufTensorInfo> m_tensors; // in file order
    std::unordered_map<std::string_view, std::size_t> m_tensorIndex;
};

// "[4096,32000]": dims as stored (innermost first).
std::string ggufDimsToString(const std::vector<std::uint64_t>& dims);

} // namespace sinkscope

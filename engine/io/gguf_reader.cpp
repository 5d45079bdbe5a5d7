#include "io/gguf_reader.h"

#include "core/excerpt.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fmt/format.h>
#include <limits>

namespace sinkscope {

static_assert(std::endian::native == std::endian::little,
              "GGUF values are read in place: little-endian hosts only");

namespace {

// Thrown inside the parser only; GgufFile::parse turns it into an Error.
struct ParseError {
    std::string message;
};

template <typename T> T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

bool isInteger(GgufValueType t) {
    return t != GgufValueType::F32 && t != GgufValueType::F64 && t != GgufValueType::Bool &&
           t != GgufValueType::String && t != GgufValueType::Array;
}

std::optional<std::int64_t> loadInt(GgufValueType t, const std::uint8_t* p) {
    switch (t) {
    case GgufValueType::U8:
        return load<std::uint8_t>(p);
    case GgufValueType::I8:
        return load<std::int8_t>(p);
    case GgufValueType::U16:
        return load<std::uint16_t>(p);
    case GgufValueType::I16:
        return load<std::int16_t>(p);
    case GgufValueType::U32:
        return load<std::uint32_t>(p);
    case GgufValueType::I32:
        return load<std::int32_t>(p);
    case GgufValueType::I64:
        return load<std::int64_t>(p);
    case GgufValueType::U64: {
        const auto v = load<std::uint64_t>(p);
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    default:
        return std::nullopt;
    }
}

std::optional<double> loadDouble(GgufValueType t, const std::uint8_t* p) {
    if (t == GgufValueType::F32) return load<float>(p);
    if (t == GgufValueType::F64) return load<double>(p);
    return std::nullopt;
}

} // namespace

std::optional<std::int64_t> GgufValue::asInt() const {
    return isInteger(type) ? loadInt(type, scalar) : std::nullopt;
}
std::optional<double> GgufValue::asDouble() const {
    return loadDouble(type, scalar);
}
std::optional<bool> GgufValue::asBool() const {
    if (type != GgufValueType::Bool) return std::nullopt;
    return *scalar != 0;
}
std::optional<std::string_view> GgufValue::asString() const {
    if (type != GgufValueType::String) return std::nullopt;
    return string;
}
std::optional<std::int64_t> GgufValue::intAt(std::uint64_t i) const {
    if (type != GgufValueType::Array || !isInteger(elementType) || i >= count) return std::nullopt;
    return loadInt(elementType, elements + i * ggufScalarSize(elementType));
}
std::optional<double> GgufValue::doubleAt(std::uint64_t i) const {
    if (type != GgufValueType::Array || elements == nullptr || i >= count) return std::nullopt;
    return loadDouble(elementType, elements + i * ggufScalarSize(elementType));
}
std::string GgufValue::typeName() const {
    if (type != GgufValueType::Array) return ggufValueTypeName(type);
    return "array of " + ggufValueTypeName(elementType);
}

std::string ggufDimsToString(const std::vector<std::uint64_t>& dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
        s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
}

// Walks the bytes once, front to back. `m_where` names the key or tensor being read so that every
// message says which field is wrong.
class GgufFile::Parser {
public:
    explicit Parser(GgufFile& f) : m_f(f) {}

    void run() {
        readHeader();
        for (std::uint64_t i = 0; i < m_kvCount; ++i)
            readKeyValue(i);
        readAlignment();
        for (std::uint64_t i = 0; i < m_tensorCount; ++i)
            readTensorInfo(i);
        placeTensors();
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw ParseError{m_where.empty() ? fmt::format("{}: {}", m_f.m_path, what)
                                         : fmt::format("{}: {}: {}", m_f.m_path, m_where, what)};
    }
    std::uint64_t remaining() const { return m_f.m_size - m_pos; }

    const std::uint8_t* take(std::uint64_t n, const char* what) {
        if (n > remaining())
            fail(fmt::format("truncated: {} needs {} bytes at offset {}, but the file ends at {}", what, n,
                             m_pos, m_f.m_size));
        const std::uint8_t* p = m_f.m_data + m_pos;
        m_pos += n;
        return p;
    }
    template <typename T> T read(const char* what) { return load<T>(take(sizeof(T), what)); }

    std::string_view readString(std::uint64_t maxBytes, const char* what) {
        const auto n = read<std::uint64_t>(what);
        if (n > maxBytes) fail(fmt::format("{} of {} bytes exceeds the limit of {}", what, n, maxBytes));
        return {reinterpret_cast<const char*>(take(n, what)), static_cast<std::size_t>(n)};
    }

    GgufValueType readType(const char* what) {
        const auto t = read<std::uint32_t>(what);
        if (t >= kGgufValueTypeCount) fail(fmt::format("unknown {} {}", what, t));
        return static_cast<GgufValueType>(t);
    }

    void readHeader() {
        if (m_f.m_size < 4 || std::memcmp(m_f.m_data, "GGUF", 4) != 0) {
            std::string start;
            for (std::size_t i = 0; i < std::min<std::size_t>(4, m_f.m_size); ++i)
                start += fmt::format("{:02x}", m_f.m_data[i]);
            fail(fmt::format("not a GGUF file: starts with bytes {} instead of \"GGUF\"",
                             start.empty() ? "(none)" : start));
        }
        m_pos = 4;
        m_where = "header";
        const auto version = read<std::uint32_t>("version");
        if (version == 0x02000000u || version == 0x03000000u) fail("big-endian GGUF files are not supported");
        if (version < kGgufMinVersion)
            fail(fmt::format("GGUF version {} is not supported (it predates version 2, August 2023); "
                             "convert the model again with a current llama.cpp",
                             version));
        if (version > kGgufMaxVersion)
            fail(fmt::format("GGUF version {} is newer than this reader (versions {} and {})", version,
                             kGgufMinVersion, kGgufMaxVersion));
        m_f.m_version = version;
        m_tensorCount = read<std::uint64_t>("tensor count");
        if (m_tensorCount > kGgufMaxTensors)
            fail(fmt::format("tensor count {} exceeds the limit of {}", m_tensorCount, kGgufMaxTensors));
        m_kvCount = read<std::uint64_t>("key/value count");
        if (m_kvCount > kGgufMaxKeyValues)
            fail(fmt::format("key/value count {} exceeds the limit of {}", m_kvCount, kGgufMaxKeyValues));
        // Every pair needs a key length, a type and at least one byte of value.
        if (m_kvCount > remaining() / 13)
            fail(fmt::format("truncated: {} key/value pairs cannot fit in the {} bytes left", m_kvCount,
                             remaining()));
        m_f.m_metadata.reserve(m_kvCount);
    }

    void readKeyValue(std::uint64_t index) {
        m_where = fmt::format("key/value pair {}", index);
        const auto key = readString(kGgufMaxKeyBytes, "key");
        if (key.empty()) fail("empty key");
        m_where = fmt::format("key '{}'", excerpt(key));
        if (m_f.m_keyIndex.count(key)) fail("appears twice");
        const auto type = readType("value type");
        GgufValue value = readValue(type, 0);
        m_f.m_keyIndex.emplace(key, m_f.m_metadata.size());
        m_f.m_metadata.emplace_back(key, std::move(value));
    }

    GgufValue readValue(GgufValueType type, int depth) {
        GgufValue v;
        v.type = type;
        if (type == GgufValueType::String) {
            v.string = readString(kGgufMaxStringBytes, "string");
        } else if (type != GgufValueType::Array) {
            v.scalar = take(ggufScalarSize(type), "value");
        } else {
            readArray(v, depth);
        }
        return v;
    }

    void readArray(GgufValue& v, int depth) {
        if (depth >= kGgufMaxArrayDepth) fail(fmt::format("arrays nest deeper than {}", kGgufMaxArrayDepth));
        v.elementType = readType("array element type");
        v.count = read<std::uint64_t>("array length");
        if (v.count > kGgufMaxArrayElements)
            fail(fmt::format("array of {} elements exceeds the limit of {}", v.count, kGgufMaxArrayElements));
        if (const auto size = ggufScalarSize(v.elementType); size > 0) {
            v.elements = take(v.count * size, "array");
            return;
        }
        // Check the smallest possible encoding against what is left before reserving anything.
        const std::uint64_t minBytes = v.elementType == GgufValueType::String ? 8 : 12;
        if (v.count > remaining() / minBytes)
            fail(fmt::format("truncated: an array of {} {} elements cannot fit in the {} bytes left", v.count,
                             ggufValueTypeName(v.elementType), remaining()));
        if (v.elementType == GgufValueType::String) {
            v.strings.reserve(v.count);
            for (std::uint64_t i = 0; i < v.count; ++i)
                v.strings.push_back(readString(kGgufMaxStringBytes, "string"));
        } else {
            v.arrays.reserve(v.count);
            for (std::uint64_t i = 0; i < v.count; ++i)
                v.arrays.push_back(readValue(GgufValueType::Array, depth + 1));
        }
    }

    void readAlignment() {
        m_where = "key 'general.alignment'";
        if (const GgufValue* a = m_f.find("general.alignment")) {
            if (a->type != GgufValueType::U32) fail(fmt::format("has type {}, expected u32", a->typeName()));
            const auto n = load<std::uint32_t>(a->scalar);
            if (n == 0 || (n & (n - 1)) != 0) fail(fmt::format("{} is not a power of two", n));
            m_f.m_alignment = n;
        }
        m_where = "tensor infos";
        // name length + a 1-byte name + n_dims + one dim + type + offset
        if (m_tensorCount > remaining() / 33)
            fail(fmt::format("truncated: {} tensor infos cannot fit in the {} bytes left", m_tensorCount,
                             remaining()));
        m_f.m_tensors.reserve(m_tensorCount);
    }

    void readTensorInfo(std::uint64_t index) {
        m_where = fmt::format("tensor info {}", index);
        GgufTensorInfo t;
        t.name = readString(kGgufMaxTensorNameBytes, "tensor name");
        if (t.name.empty()) fail("empty tensor name");
        m_where = fmt::format("tensor '{}'", excerpt(t.name));
        if (m_f.m_tensorIndex.count(t.name)) fail("appears twice");
        const auto nDims = read<std::uint32_t>("dimension count");
        if (nDims == 0 || nDims > kGgufMaxDims)
            fail(fmt::format("has {} dimensions, expected 1 to {}", nDims, kGgufMaxDims));
        constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        t.elements = 1;
        for (std::uint32_t d = 0; d < nDims; ++d) {
            const auto n = read<std::uint64_t>("dimension");
            if (n > kMax || (n != 0 && t.elements > kMax / n))
                fail(fmt::format("dimension {} = {} makes more than 2^63 elements", d, n));
            t.dims.push_back(n);
            t.elements *= n;
        }
        t.type = read<std::uint32_t>("tensor type");
        const GgmlTypeTraits* traits = ggmlTypeTraits(t.type);
        if (!traits) fail(fmt::format("has unknown ggml type {}", t.type));
        if (t.dims[0] % traits->blockElements != 0)
            fail(fmt::format("row length {} is not a multiple of the {} block size {}", t.dims[0],
                             traits->name, traits->blockElements));
        const std::uint64_t blocks = t.elements / traits->blockElements;
        if (blocks > kMax / traits->blockBytes) fail("is too large");
        t.nbytes = blocks * traits->blockBytes;
        t.offset = read<std::uint64_t>("tensor offset");
        m_f.m_tensorIndex.emplace(t.name, m_f.m_tensors.size());
        m_f.m_tensors.push_back(std::move(t));
    }

    void placeTensors() {
        const std::uint64_t align = m_f.m_alignment;
        m_f.m_dataOffset = m_pos + (align - m_pos % align) % align;
        if (m_f.m_tensors.empty()) return; // vocabulary-only files need no data section
        const std::uint64_t size = m_f.m_size;
        if (m_f.m_dataOffset > size) {
            m_where.clear();
            fail(fmt::format("truncated: the data section would start at offset {}, past the end of the file "
                             "({} bytes)",
                             m_f.m_dataOffset, size));
        }
        const std::uint64_t dataBytes = size - m_f.m_dataOffset;
        for (auto& t : m_f.m_tensors) {
            m_where = fmt::format("tensor '{}'", excerpt(t.name));
            if (t.offset % align != 0)
                fail(fmt::format("offset {} is not a multiple of the alignment {}", t.offset, align));
            if (t.offset > dataBytes || t.nbytes > dataBytes - t.offset) {
                // Report the position in the file; an offset too large for that is reported as given.
                const bool fits = t.offset <= std::numeric_limits<std::uint64_t>::max() - m_f.m_dataOffset;
                fail(fmt::format("{} {} + {} bytes runs past the end of the file ({} bytes)",
                                 fits ? "offset" : "data offset",
                                 fits ? m_f.m_dataOffset + t.offset : t.offset, t.nbytes, size));
            }
            t.data = m_f.m_data + m_f.m_dataOffset + t.offset;
        }
        std::vector<const GgufTensorInfo*> order;
        for (const auto& t : m_f.m_tensors)
            if (t.nbytes > 0) order.push_back(&t);
        std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
        m_where.clear();
        for (std::size_t i = 1; i < order.size(); ++i) {
            const auto* a = order[i - 1];
            const auto* b = order[i];
            if (a->offset + a->nbytes > b->offset)
                fail(fmt::format("tensors '{}' (data bytes {}..{}) and '{}' (from {}) overlap",
                                 excerpt(a->name), a->offset, a->offset + a->nbytes, excerpt(b->name),
                                 b->offset));
        }
    }

    GgufFile& m_f;
    std::uint64_t m_pos = 0;
    std::uint64_t m_tensorCount = 0;
    std::uint64_t m_kvCount = 0;
    std::string m_where;
};

Result<GgufFile> GgufFile::parse(const std::uint8_t* data, std::size_t size, std::string name) {
    GgufFile f;
    f.m_data = data;
    f.m_size = size;
    f.m_path = std::move(name);
    try {
        Parser(f).run();
    } catch (const ParseError& e) {
        return Error{e.message};
    } catch (const std::bad_alloc&) {
        return Error{f.m_path + ": out of memory while reading the GGUF header"};
    }
    return f;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    auto parsed = parse(mapped->data(), mapped->size(), path);
    if (!parsed) return parsed.error();
    parsed->m_file = std::move(mapped.value()); // the views stay valid: moving a map keeps its address
    return std::move(parsed.value());
}

const GgufValue* GgufFile::find(std::string_view key) const {
    const auto it = m_keyIndex.find(key);
    return it == m_keyIndex.end() ? nullptr : &m_metadata[it->second].second;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const {
    const auto it = m_tensorIndex.find(name);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

} // namespace sinkscope

#include "io/safetensors.h"

#include "core/json_parse.h"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

namespace sinkscope {

std::int64_t TensorRef::numel() const {
    std::int64_t n = 1;
    for (auto d : shape)
        n *= d;
    return n;
}

std::string shapeToString(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

namespace {

using nlohmann::json;

// Parses one header entry into ref; the data pointer is set by the caller once offsets are checked.
Result<TensorRef> parseEntry(const std::string& path, const std::string& name, const json& entry,
                             std::uint64_t dataBytes, std::uint64_t& begin) {
    auto fail = [&](const std::string& what) {
        return Error{fmt::format("{}: tensor '{}': {}", path, excerpt(name), what)};
    };
    if (!entry.is_object()) return fail("header entry is not an object");
    if (!entry.contains("dtype") || !entry["dtype"].is_string()) return fail("missing string field 'dtype'");
    if (!entry.contains("shape") || !entry["shape"].is_array()) return fail("missing array field 'shape'");
    if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2)
        return fail("'data_offsets' must be an array of two integers");

    TensorRef ref;
    ref.name = name;
    ref.file = path;
    const auto dtypeStr = entry["dtype"].get<std::string>();
    const auto dtype = parseDType(dtypeStr);
    if (!dtype) return fail(fmt::format("unsupported dtype '{}'", excerpt(dtypeStr)));
    ref.dtype = *dtype;

    std::uint64_t elements = 1;
    for (const auto& d : entry["shape"]) {
        if (!d.is_number_unsigned()) return fail("shape entries must be non-negative integers");
        const auto v = d.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
            (v != 0 && elements > std::numeric_limits<std::uint64_t>::max() / v))
            return fail("shape is too large");
        elements *= v;
        ref.shape.push_back(static_cast<std::int64_t>(v));
    }
    const auto& off = entry["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        return fail("'data_offsets' must be non-negative integers");
    begin = off[0].get<std::uint64_t>();
    const auto end = off[1].get<std::uint64_t>();
    if (begin > end) return fail(fmt::format("data_offsets [{}, {}] are reversed", begin, end));
    if (end > dataBytes)
        return fail(fmt::format("data_offsets [{}, {}] reach past the end of the data ({} bytes)", begin, end,
                                dataBytes));
    const std::uint64_t size = dtypeSize(ref.dtype);
    if (elements > std::numeric_limits<std::uint64_t>::max() / size) return fail("shape is too large");
    if (end - begin != elements * size)
        return fail(fmt::format("holds {} bytes but shape {} of {} needs {}", end - begin,
                                shapeToString(ref.shape), dtypeStr, elements * size));
    ref.nbytes = static_cast<std::size_t>(end - begin);
    return ref;
}

} // namespace

Result<SafetensorsHeader> parseSafetensors(const std::uint8_t* bytes, std::uint64_t fileSize,
                                           const std::string& path) {
    SafetensorsHeader st;
    if (fileSize < 8)
        return Error{fmt::format("{}: file is {} bytes, too short for a safetensors header", path, fileSize)};
    std::uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | bytes[i];
    constexpr std::uint64_t kMaxHeaderBytes = SafetensorsFile::kMaxHeaderBytes;
    if (headerLen < 2 || headerLen > kMaxHeaderBytes)
        return Error{
            fmt::format("{}: header length {} is out of bounds (2 .. {})", path, headerLen, kMaxHeaderBytes)};
    if (headerLen > fileSize - 8)
        return Error{fmt::format("{}: header length {} exceeds the file size {} (truncated file?)", path,
                                 headerLen, fileSize)};
    const char* headerStart = reinterpret_cast<const char*>(bytes + 8);
    if (headerStart[0] != '{')
        return Error{fmt::format("{}: header does not start with '{{': not a safetensors file", path)};

    auto parsed = parseJson(std::string_view(headerStart, headerLen), path + ": header");
    if (!parsed) return parsed.error();
    const nlohmann::json& header = *parsed;
    if (!header.is_object()) return Error{fmt::format("{}: header is not a JSON object", path)};

    const std::uint64_t dataBytes = fileSize - 8 - headerLen;
    const std::uint8_t* data = bytes + 8 + headerLen;
    std::vector<std::pair<std::uint64_t, TensorRef>> entries;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) return Error{fmt::format("{}: '__metadata__' is not an object", path)};
            for (const auto& [k, v] : entry.items()) {
                if (!v.is_string())
                    return Error{fmt::format("{}: __metadata__['{}'] is not a string", path, excerpt(k))};
                st.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        std::uint64_t begin = 0;
        auto ref = parseEntry(path, name, entry, dataBytes, begin);
        if (!ref) return ref.error();
        ref->data = data + begin;
        entries.emplace_back(begin, std::move(ref.value()));
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < entries.size(); ++i) {
        const auto& prev = entries[i - 1];
        if (prev.first + prev.second.nbytes > entries[i].first)
            return Error{fmt::format("{}: tensors '{}' and '{}' overlap in the data section", path,
                                     excerpt(prev.second.name), excerpt(entries[i].second.name))};
    }
    st.tensors.reserve(entries.size());
    for (auto& e : entries)
        st.tensors.push_back(std::move(e.second));
    return st;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    SafetensorsFile st;
    st.m_file = std::move(mapped.value());
    auto header = parseSafetensors(st.m_file.data(), st.m_file.size(), path);
    if (!header) return header.error();
    st.m_tensors = std::move(header->tensors);
    st.m_metadata = std::move(header->metadata);
    return st;
}

} // namespace sinkscope

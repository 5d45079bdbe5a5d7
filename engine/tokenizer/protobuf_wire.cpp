#include "tokenizer/protobuf_wire.h"

#include "tokenizer/load_error.h"

#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

void ProtobufWire::fail(const std::string& problem) const {
    throwLoadError(fmt::format("{}: {} at byte {}", m_what, problem, m_pos));
}

std::uint64_t ProtobufWire::readVarint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (m_pos >= m_bytes.size()) fail("truncated varint");
        const auto byte = static_cast<unsigned char>(m_bytes[m_pos++]);
        value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) return value;
    }
    fail("varint longer than 10 bytes");
}

bool ProtobufWire::next(Field& field) {
    if (m_pos >= m_bytes.size()) return false;
    const std::uint64_t key = readVarint();
    field = Field{};
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.wireType = static_cast<std::uint32_t>(key & 7);
    switch (field.wireType) {
    case 0:
        field.varint = readVarint();
        return true;
    case 1: // fixed64: no field that matters here uses it, but it must be skipped correctly
        if (m_bytes.size() - m_pos < 8) fail("truncated 64-bit field");
        m_pos += 8;
        return true;
    case 2: {
        const std::uint64_t length = readVarint();
        if (length > m_bytes.size() - m_pos) fail(fmt::format("field {} runs past the end", field.number));
        field.bytes = m_bytes.substr(m_pos, static_cast<std::size_t>(length));
        m_pos += static_cast<std::size_t>(length);
        return true;
    }
    case 5:
        if (m_bytes.size() - m_pos < 4) fail("truncated 32-bit field");
        std::memcpy(&field.fixed32, m_bytes.data() + m_pos, 4); // little-endian on every supported host
        m_pos += 4;
        return true;
    default:
        fail(fmt::format("unsupported wire type {} for field {}", field.wireType, field.number));
    }
}

float ProtobufWire::asFloat(const Field& field) {
    float value;
    std::memcpy(&value, &field.fixed32, sizeof value);
    return value;
}

} // namespace sinkscope

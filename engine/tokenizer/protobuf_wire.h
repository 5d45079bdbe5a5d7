#pragma once
// ProtobufWire: a reader for the protobuf wire format, enough to walk a SentencePiece
// tokenizer.model. Linking libprotobuf (or libsentencepiece, which carries its own copy) is not an
// option: Debian's LibTorch loads protobuf 3.21 and the two copies corrupt each other in one process.
#include <cstdint>
#include <string>
#include <string_view>

namespace sinkscope {

class ProtobufWire {
public:
    // what names the message in error messages, e.g. "tokenizer.model: pieces[3]".
    ProtobufWire(std::string_view bytes, std::string what) : m_bytes(bytes), m_what(std::move(what)) {}

    struct Field {
        std::uint32_t number = 0;
        std::uint32_t wireType = 0;
        std::uint64_t varint = 0;  // wire type 0
        std::uint32_t fixed32 = 0; // wire type 5
        std::string_view bytes;    // wire type 2
    };

    // Reads the next field; false at the end of the message. Throws LoadError on malformed data.
    bool next(Field& field);

    const std::string& what() const { return m_what; }

    static float asFloat(const Field& field);

private:
    std::uint64_t readVarint();
    [[noreturn]] void fail(const std::string& problem) const;

    std::string_view m_bytes;
    std::size_t m_pos = 0;
    std::string m_what;
};

} // namespace sinkscope

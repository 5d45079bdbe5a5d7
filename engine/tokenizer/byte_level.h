#pragma once
// GPT-2's reversible byte <-> character table (bytes_to_unicode). Byte-level BPE vocabularies
// spell every byte as a printable character, e.g. the space 0x20 as "Ġ" (U+0120); the engine
// works on raw bytes and uses this table only to read vocabularies and merges.
#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

// The vocabulary spelling (UTF-8) of raw bytes.
std::string bytesToByteLevel(std::string_view bytes);

// The raw bytes that a vocabulary string spells, or nullopt when it contains a character outside
// the table (such strings cannot come out of byte-level pre-tokenization).
std::optional<std::string> byteLevelToBytes(std::string_view piece);

} // namespace sinkscope

#pragma once
// Field reads shared by the GGUF block decoders (gguf_dequant*.cpp). Blocks are packed structs
// with no alignment beyond a byte, so multi-byte fields are copied out, never dereferenced in place.
#include "core/half.h"

#include <cstdint>
#include <cstring>

namespace sinkscope::gguf_block {

inline float halfAt(const std::uint8_t* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return f16ToF32(h);
}

inline std::uint32_t u32At(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

} // namespace sinkscope::gguf_block

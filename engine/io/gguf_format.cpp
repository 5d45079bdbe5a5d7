#include "io/gguf_format.h"

#include <array>
#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr std::uint32_t kQK = 256; // super-block of the k-quants and i-quants

constexpr std::uint32_t bytes(std::size_t n) {
    return static_cast<std::uint32_t>(n);
}

// Indexed by ggml type id; a null name marks an id that is not (or no longer) part of the format.
// Sizes of the types that are only named here come from ggml-common.h as well: a file holding one
// must still pass the layout checks, so that it opens and the tensor is refused by its type's name.
constexpr std::array<GgmlTypeTraits, 43> kTraits = {{
    {"F32", 1, 4},
    {"F16", 1, 2},
    {"Q4_0", kQ4_0Block, bytes(kQ4_0Bytes)},
    {"Q4_1", kQ4_1Block, bytes(kQ4_1Bytes)},
    {nullptr, 0, 0}, // Q4_2, removed
    {nullptr, 0, 0}, // Q4_3, removed
    {"Q5_0", kQ5_0Block, bytes(kQ5_0Bytes)},
    {"Q5_1", kQ5_1Block, bytes(kQ5_1Bytes)},
    {"Q8_0", kQ8_0Block, bytes(kQ8_0Bytes)},
    {"Q8_1", 32, 36},
    {"Q2_K", kQK, bytes(kQ2_KBytes)},
    {"Q3_K", kQK, bytes(kQ3_KBytes)},
    {"Q4_K", kQK, bytes(kQ4_KBytes)},
    {"Q5_K", kQK, bytes(kQ5_KBytes)},
    {"Q6_K", kQK, bytes(kQ6_KBytes)},
    {"Q8_K", kQK, 292},
    {"IQ2_XXS", kQK, 66},
    {"IQ2_XS", kQK, 74},
    {"IQ3_XXS", kQK, 98},
    {"IQ1_S", kQK, 50},
    {"IQ4_NL", 32, 18},
    {"IQ3_S", kQK, 110},
    {"IQ2_S", kQK, 82},
    {"IQ4_XS", kQK, 136},
    {"I8", 1, 1},
    {"I16", 1, 2},
    {"I32", 1, 4},
    {"I64", 1, 8},
    {"F64", 1, 8},
    {"IQ1_M", kQK, 56},
    {"BF16", 1, 2},
    {nullptr, 0, 0}, // Q4_0_4_4, removed from GGUF files
    {nullptr, 0, 0}, // Q4_0_4_8
    {nullptr, 0, 0}, // Q4_0_8_8
    {"TQ1_0", kQK, 54},
    {"TQ2_0", kQK, 66},
    {nullptr, 0, 0},   // IQ4_NL_4_4, removed from GGUF files
    {nullptr, 0, 0},   // IQ4_NL_4_8
    {nullptr, 0, 0},   // IQ4_NL_8_8
    {"MXFP4", 32, 17}, // e8m0 exponent, 16 bytes of 4-bit values
    {"NVFP4", 64, 36}, // four e4m3 scales, 32 bytes of 4-bit values
    {"Q1_0", 128, 18}, // f16 d, 16 bytes of sign bits
    {"Q2_0", 64, 18},  // f16 d, 16 bytes of 2-bit values
}};

} // namespace

std::string ggufValueTypeName(GgufValueType t) {
    static constexpr std::array<const char*, kGgufValueTypeCount> kNames = {
        "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
    const auto i = static_cast<std::uint32_t>(t);
    return i < kNames.size() ? kNames[i] : fmt::format("type {}", i);
}

std::size_t ggufScalarSize(GgufValueType t) {
    switch (t) {
    case GgufValueType::U8:
    case GgufValueType::I8:
    case GgufValueType::Bool:
        return 1;
    case GgufValueType::U16:
    case GgufValueType::I16:
        return 2;
    case GgufValueType::U32:
    case GgufValueType::I32:
    case GgufValueType::F32:
        return 4;
    case GgufValueType::U64:
    case GgufValueType::I64:
    case GgufValueType::F64:
        return 8;
    case GgufValueType::String:
    case GgufValueType::Array:
        break;
    }
    return 0;
}

const GgmlTypeTraits* ggmlTypeTraits(std::uint32_t type) {
    if (type >= kTraits.size() || kTraits[type].name == nullptr) return nullptr;
    return &kTraits[type];
}

std::string ggmlTypeName(std::uint32_t type) {
    const auto* t = ggmlTypeTraits(type);
    return t ? t->name : fmt::format("type {}", type);
}

} // namespace sinkscope

#pragma once
// Constants and type tables of llama.cpp's GGUF format (versions 2 and 3), and the limits the
// reader enforces so that a hostile file cannot make it allocate more than a small multiple of its
// own size. Layout: "GGUF", u32 version, u64 tensor count, u64 key/value count, the key/value pairs,
// the tensor infos, padding to general.alignment, the tensor data. All little-endian.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sinkscope {

constexpr std::uint32_t kGgufMinVersion = 2; // version 1 had 32-bit counts and lengths
constexpr std::uint32_t kGgufMaxVersion = 3;
constexpr std::uint64_t kGgufDefaultAlignment = 32;

// Limits far above any real file (a Llama-3 GGUF has ~300 tensors, ~30 keys, 128k tokens and
// 280k merges), far below what would let a few bytes request gigabytes.
constexpr std::uint64_t kGgufMaxTensors = 1u << 16;
constexpr std::uint64_t kGgufMaxKeyValues = 1u << 16;
constexpr std::uint64_t kGgufMaxKeyBytes = 1u << 16;
constexpr std::uint64_t kGgufMaxStringBytes = 64u << 20;
constexpr std::uint64_t kGgufMaxArrayElements = 1u << 24;
constexpr int kGgufMaxArrayDepth = 4; // arrays of arrays nest at most this deep
constexpr std::uint64_t kGgufMaxTensorNameBytes = 256;
constexpr std::uint32_t kGgufMaxDims = 4;

enum class GgufValueType : std::uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};
constexpr std::uint32_t kGgufValueTypeCount = 13;

// "u32", "string", ...; "type N" for values outside the enum.
std::string ggufValueTypeName(GgufValueType t);
// Bytes of one scalar; 0 for String and Array.
std::size_t ggufScalarSize(GgufValueType t);

// ggml tensor element types as stored in tensor infos (ggml.h's enum ggml_type).
enum class GgmlType : std::uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
    Q2_0 = 42,
};

// Storage of one ggml type: elements per block and bytes per block (1 and the element size for
// plain types). Every known type has one, so a file's layout can be checked even where its
// tensors cannot be dequantized.
struct GgmlTypeTraits {
    const char* name;
    std::uint32_t blockElements;
    std::uint32_t blockBytes;
};

// nullptr for ids that are unknown or were removed from the format (4, 5, 31-33, 36-38, 43 on).
const GgmlTypeTraits* ggmlTypeTraits(std::uint32_t type);
// "Q4_K", or "type N" for unknown ids.
std::string ggmlTypeName(std::uint32_t type);

// Block sizes of the types SinkScope dequantizes (ggml-common.h's block_* structs, fields in file
// order; f16 values are 2 bytes, "qh" holds the high bits of the quants).
constexpr std::size_t kQ8_0Block = 32, kQ8_0Bytes = 2 + 32;         // d, int8 q[32]
constexpr std::size_t kQ4_0Block = 32, kQ4_0Bytes = 2 + 16;         // d, nibbles[16]
constexpr std::size_t kQ4_1Block = 32, kQ4_1Bytes = 2 + 2 + 16;     // d, m, nibbles[16]
constexpr std::size_t kQ5_0Block = 32, kQ5_0Bytes = 2 + 4 + 16;     // d, qh[4], nibbles[16]
constexpr std::size_t kQ5_1Block = 32, kQ5_1Bytes = 2 + 2 + 4 + 16; // d, m, qh[4], nibbles[16]
// The k-quants: super-blocks of 256 elements in sub-blocks of 16 or 32, each with a small integer
// scale (and for some a min) that the super-block's f16 d (and dmin) multiply.
constexpr std::size_t kQKBlock = 256;
constexpr std::size_t kQ2_KBytes = 16 + 64 + 2 + 2;       // scales[16], 2-bit qs[64], d, dmin
constexpr std::size_t kQ3_KBytes = 32 + 64 + 12 + 2;      // hmask[32], 2-bit qs[64], scales[12], d
constexpr std::size_t kQ4_KBytes = 2 + 2 + 12 + 128;      // d, dmin, scales[12], nibbles[128]
constexpr std::size_t kQ5_KBytes = 2 + 2 + 12 + 32 + 128; // d, dmin, scales[12], qh[32], nibbles
constexpr std::size_t kQ6_KBytes = 128 + 64 + 16 + 2;     // ql[128], qh[64], int8 scales[16], d

} // namespace sinkscope

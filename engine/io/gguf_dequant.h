#pragma once
// Conversion of GGUF tensor data to float32: the plain types (F32, F16, BF16), the 32-element
// block quantizations Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the k-quant super-blocks Q2_K to Q6_K
// (the types llama.cpp's Q*_K_S / Q*_K_M files mix), written from the block layouts of
// ggml-common.h. Every other type (IQ*, TQ*, MXFP4, ...) is refused by name.
#include "core/result.h"
#include "io/gguf_reader.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// Each converts n elements (a whole number of blocks) from src, which holds exactly those blocks.
// Any bytes decode to some float (no field is a count or an index), so no input is invalid.
void dequantizeQ8_0(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ4_0(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ4_1(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ5_0(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ5_1(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ2_K(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ3_K(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ4_K(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ5_K(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ6_K(const std::uint8_t* src, float* dst, std::size_t n);

bool ggufCanDequantize(std::uint32_t type);
// "F32, F16, BF16, Q8_0, ...", for messages.
const char* ggufDequantizableTypes();
// The one-line refusal of a tensor whose type cannot be converted: "<path>: tensor '<name>' has
// type IQ2_XXS, which SinkScope cannot read (supported: ...)".
std::string ggufUnsupportedTypeMessage(const std::string& path, std::string_view tensor, std::uint32_t type);

// n elements (a whole number of blocks) of a type ggufCanDequantize accepts, from src holding
// exactly those blocks: one row of a quantized weight, or a run of rows.
void dequantizeBlocks(std::uint32_t type, const std::uint8_t* src, float* dst, std::size_t n);

// The first of `blocks` consecutive blocks of `type` (one ggufCanDequantize accepts) that decodes to
// a NaN or an infinity, without decoding: a block's values are its f16 scale fields (d, and dmin or
// m where the type has one) times small integers (below 2^14), so they are all finite exactly when
// those fields are. nullopt when every block is finite (and for plain types).
std::optional<std::size_t> ggmlFirstNonFiniteBlock(std::uint32_t type, const std::uint8_t* src,
                                                   std::size_t blocks);

// All elements of t in file order (rows of dims[0] elements); path names the file in the error
// for a type that cannot be converted.
Result<std::vector<float>> dequantizeTensor(const GgufTensorInfo& t, const std::string& path);

} // namespace sinkscope

#pragma once
// Conversion of GGUF tensor data to float32: the plain types (F32, F16, BF16) and the block
// quantizations Q8_0, Q4_0, Q4_K and Q6_K, written from the block layouts of ggml-common.h. Every
// other type is refused by name.
#include "core/result.h"
#include "io/gguf_reader.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope {

// Each converts n elements (a whole number of blocks) from src, which holds exactly those blocks.
void dequantizeQ8_0(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ4_0(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ4_K(const std::uint8_t* src, float* dst, std::size_t n);
void dequantizeQ6_K(const std::uint8_t* src, float* dst, std::size_t n);

bool ggufCanDequantize(std::uint32_t type);
// "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K", for messages.
const char* ggufDequantizableTypes();

// All elements of t in file order (rows of dims[0] elements); path names the file in the error
// for a type that cannot be converted.
Result<std::vector<float>> dequantizeTensor(const GgufTensorInfo& t, const std::string& path);

} // namespace sinkscope

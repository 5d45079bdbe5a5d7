#pragma once
// Element types found in checkpoint files.
#include <cstddef>
#include <optional>
#include <string_view>

namespace sinkscope {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

// Size of one element in bytes.
std::size_t dtypeSize(DType t);
// Safetensors spelling ("F32", "BF16", ...).
std::string_view dtypeName(DType t);
std::optional<DType> parseDType(std::string_view name);
inline bool isFloat(DType t) {
    return t == DType::F64 || t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

} // namespace sinkscope

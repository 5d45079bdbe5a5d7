#pragma once
// Writes safetensors files (header JSON, 8-byte aligned, then raw little-endian data). Used by
// the trainer's checkpoints, fixture generators and benchmarks.
#include "core/result.h"
#include "io/dtype.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sinkscope {

struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    const void* data = nullptr; // numel x dtypeSize bytes
};

// Writes to path + ".tmp" and renames, so a crash never leaves a half-written file in place.
Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

} // namespace sinkscope

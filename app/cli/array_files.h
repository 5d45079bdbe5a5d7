#pragma once
// Plain data files of one matrix: NumPy .npy (float32, C order, exact values) and CSV with
// token labels (RFC 4180 quoting). Written in full or not at all (core/atomic_file.h).
#include "core/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope::cli {

Status writeNpyFloat32(const std::string& path, const std::vector<float>& values, std::int64_t rows,
                       std::int64_t cols);
Status writeCsvMatrix(const std::string& path, const std::vector<float>& values, std::int64_t rows,
                      std::int64_t cols, const std::vector<std::string>& rowLabels,
                      const std::vector<std::string>& colLabels);

} // namespace sinkscope::cli

#pragma once
// Device choice for LibTorch: CPU by default, CUDA when the build and the machine have it.
#include "core/result.h"

#include <ATen/ATen.h>
#include <string>

namespace sinkscope::detail {

struct DeviceChoice {
    at::Device device = at::kCPU;
    std::string notice; // non-empty when the request could not be met as asked
};

Result<DeviceChoice> selectDevice(const std::string& request);

} // namespace sinkscope::detail

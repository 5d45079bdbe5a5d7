#include "model/device.h"

#include "core/excerpt.h"

#include <fmt/format.h>

namespace sinkscope::detail {

Result<DeviceChoice> selectDevice(const std::string& request) {
    DeviceChoice choice;
    if (request.empty() || request == "cpu") return choice;
    if (request == "cuda" || request.rfind("cuda:", 0) == 0) {
        if (at::hasCUDA()) {
            choice.device = at::Device(request);
        } else {
            choice.notice = "CUDA was requested but this build or machine has none: running on the CPU";
        }
        return choice;
    }
    return Error{fmt::format("unknown device '{}' (use cpu or cuda)", excerpt(request))};
}

} // namespace sinkscope::detail

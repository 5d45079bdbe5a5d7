#pragma once
// Byte counts as people read them in messages and listings: "512 B", "16.0 MiB", "10.2 GiB".
#include <cstdint>
#include <string>

namespace sinkscope {

std::string humanBytes(std::uint64_t n);

} // namespace sinkscope

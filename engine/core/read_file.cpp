#include "core/read_file.h"

#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace sinkscope {

Result<std::string> readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot open", path)};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace sinkscope

#include "tokenizer/load_error.h"

namespace sinkscope {

void throwLoadError(std::string message) {
    throw LoadError(message);
}

std::string describeLoadFailure(const std::string& path, const std::exception& e) {
    if (dynamic_cast<const LoadError*>(&e) != nullptr) return e.what();
    return path + ": " + e.what();
}

} // namespace sinkscope

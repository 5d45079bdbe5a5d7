#pragma once
// Where tests find committed fixtures and the shared pretrained test model.
#include <string>

namespace sinkscope::test {
inline std::string dataPath(const std::string& rel) {
    return std::string(SINKSCOPE_TEST_DATA_DIR) + "/" + rel;
}
inline std::string sharedModelPath(const std::string& rel) {
    return std::string(SINKSCOPE_SHARED_MODELS_DIR) + "/" + rel;
}
} // namespace sinkscope::test

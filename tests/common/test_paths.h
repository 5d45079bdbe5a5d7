#pragma once
// Where tests find committed fixtures and the shared pretrained test model.
#include <cstdlib>
#include <string>

namespace sinkscope::test {
inline std::string dataPath(const std::string& rel) {
    return std::string(SINKSCOPE_TEST_DATA_DIR) + "/" + rel;
}
inline std::string sharedModelPath(const std::string& rel) {
    return std::string(SINKSCOPE_SHARED_MODELS_DIR) + "/" + rel;
}
#ifdef SINKSCOPE_TOKENIZER_CACHE
// The real tokenizers of scripts/fetch_tokenizers.sh: $SINKSCOPE_TOKENIZER_CACHE when set, else
// the directory the build was configured with.
inline std::string tokenizerCachePath(const std::string& rel) {
    const char* env = std::getenv("SINKSCOPE_TOKENIZER_CACHE");
    return std::string(env != nullptr && *env != '\0' ? env : SINKSCOPE_TOKENIZER_CACHE) + "/" + rel;
}
#endif
} // namespace sinkscope::test

#pragma once
// The benchmarks' models: random-weight model directories of a given shape, written once and
// reused (timing does not depend on the weights), and the default recipe's shape.
#include "core/result.h"
#include "io/random_checkpoint.h"
#include "train/train_config.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <string>

namespace sinkscope::bench {

// Writes a random model of config c to dir unless dir already holds one of the same config.
inline Status ensureRandomModel(const std::filesystem::path& dir, const ModelConfig& c,
                                std::uint64_t seed = 1) {
    const std::string want = toHfConfigJson(c);
    if (std::filesystem::exists(dir / "model.safetensors") && std::filesystem::exists(dir / "config.json")) {
        std::ifstream in(dir / "config.json");
        std::stringstream have;
        have << in.rdbuf();
        if (have.str() == want) return okStatus();
    }
    fmt::print(stderr, "writing a random model to {} ...\n", dir.string());
    return writeRandomCheckpoint(dir.string(), c, seed);
}

// The default recipe's model shape (vocabulary 4096 as the default tokenizer's).
inline Result<ModelConfig> recipeShape(const std::string& recipe) {
    std::ifstream in(recipe);
    if (!in) return Error{fmt::format("{}: cannot open", recipe)};
    std::stringstream ss;
    ss << in.rdbuf();
    auto t = parseTrainConfig(ss.str(), recipe);
    if (!t) return t.error();
    return t->modelConfig(4096, 1, 2);
}

// GPT-2 small's shape with room for `positions` tokens (GPT-2 itself has 1024).
inline ModelConfig gpt2Shape(std::int64_t positions) {
    ModelConfig c = gpt2SmallConfig();
    c.maxPositions = positions;
    return c;
}

} // namespace sinkscope::bench

// Loading a model whose weights would not fit is refused with one line before anything is
// allocated (not killed half-way), and what is predicted is what is allocated: BF16/F16 matrices
// used in place cost nothing, float32 copies their size. The available memory is set with
// SINKSCOPE_MEMORY_LIMIT (core/available_memory.h), restored after each test.
#include "io/model_directory.h"
#include "model/model.h"
#include "model/transformer.h"
#include "test_paths.h"

#include <cstdlib>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

class MemoryLimit {
public:
    explicit MemoryLimit(const char* limit) {
        if (const char* old = std::getenv("SINKSCOPE_MEMORY_LIMIT")) m_old = old;
        setenv("SINKSCOPE_MEMORY_LIMIT", limit, 1);
    }
    ~MemoryLimit() {
        if (m_old.empty())
            unsetenv("SINKSCOPE_MEMORY_LIMIT");
        else
            setenv("SINKSCOPE_MEMORY_LIMIT", m_old.c_str(), 1);
    }

private:
    std::string m_old;
};

std::int64_t predicted(const std::string& model, sinkscope::detail::WeightKeeping keeping) {
    auto files = openModelFiles(dataPath("models/" + model));
    EXPECT_TRUE(files.ok()) << files.error().message;
    return files.ok() ? sinkscope::detail::predictedWeightBytes(files->weights, keeping) : -1;
}

TEST(WeightMemory, PredictionCountsCopiesOnly) {
    auto files = openModelFiles(dataPath("models/tiny_llama")); // BF16
    ASSERT_TRUE(files.ok());
    std::int64_t matrices = 0, vectors = 0;
    for (const auto& name : files->weights.names()) {
        const TensorRef& t = *files->weights.find(name);
        (t.shape.size() == 2 ? matrices : vectors) += t.numel();
    }
    EXPECT_EQ(predicted("tiny_llama", sinkscope::detail::WeightKeeping::Stored), 4 * vectors);
    EXPECT_EQ(predicted("tiny_llama", sinkscope::detail::WeightKeeping::Bf16), 4 * vectors);
    EXPECT_EQ(predicted("tiny_llama", sinkscope::detail::WeightKeeping::Float32), 4 * (vectors + matrices));
    // F16 matrices become bf16 copies for bf16 compute; F32 ones are copied either way.
    EXPECT_GT(predicted("tiny_pythia", sinkscope::detail::WeightKeeping::Bf16),
              predicted("tiny_pythia", sinkscope::detail::WeightKeeping::Stored));
    EXPECT_GT(predicted("tiny_gpt2", sinkscope::detail::WeightKeeping::Stored), 0);
}

TEST(WeightMemory, ModelThatWouldNotFitIsRefusedInOneLine) {
    const MemoryLimit limit("16K");
    auto m = Model::load(dataPath("models/tiny_gpt2")); // F32: ~120 KB of float32 copies
    ASSERT_FALSE(m.ok());
    const std::string& msg = m.error().message;
    EXPECT_NE(msg.find("its weights need"), std::string::npos) << msg;
    EXPECT_NE(msg.find("as float32 copies"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

// A K-quant file stays quantized in memory: it opens and runs under a limit well below its float32
// size (which is what it used to cost), and a limit below even that is refused in one line.
TEST(WeightMemory, QuantizedGgufStaysQuantizedInMemory) {
    const std::string path = dataPath("models/gguf/llama_q4_k.gguf");
    auto files = openModelFiles(path);
    ASSERT_TRUE(files.ok()) << files.error().message;
    std::int64_t float32 = 0;
    for (const auto& name : files->weights.names())
        float32 += 4 * files->weights.find(name)->numel();
    {
        const MemoryLimit limit(std::to_string(float32 / 3).c_str());
        auto m = Model::load(path);
        ASSERT_TRUE(m.ok()) << m.error().message;
        auto out = m.value()->forward({1, 2, 3, 4}, nullptr);
        EXPECT_TRUE(out.ok()) << out.error().message;
    }
    const MemoryLimit tiny("1K");
    auto m = Model::load(path);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find("weights need"), std::string::npos) << m.error().message;
}

TEST(WeightMemory, Bf16CheckpointLoadsUnderALimitItsFloat32CopiesWouldBreak) {
    const std::int64_t copies = predicted("tiny_llama", sinkscope::detail::WeightKeeping::Float32);
    const std::int64_t needed = predicted("tiny_llama", sinkscope::detail::WeightKeeping::Stored);
    ASSERT_LT(needed * 4, copies);
    const MemoryLimit limit(std::to_string(copies / 2).c_str());
    auto m = Model::load(dataPath("models/tiny_llama"));
    EXPECT_TRUE(m.ok()) << m.error().message;
}

} // namespace

// Loading reports its progress over the weights' bytes (to the end) and stops when asked to:
// the load fails with a line saying so, and a later load of the same file works.
TEST(WeightMemory, LoadReportsProgressAndCanBeCancelled) {
    const std::string path = dataPath("models/tiny_llama");
    std::vector<std::pair<std::int64_t, std::int64_t>> seen;
    LoadOptions o;
    o.progress = [&](std::int64_t done, std::int64_t total) {
        seen.emplace_back(done, total);
        return true;
    };
    auto m = Model::load(path, o);
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_GE(seen.size(), 3u);
    for (std::size_t i = 1; i < seen.size(); ++i) {
        EXPECT_GE(seen[i].first, seen[i - 1].first);
        EXPECT_EQ(seen[i].second, seen[0].second);
    }
    EXPECT_EQ(seen.back().first, seen.back().second) << "the last call reports every byte";

    int calls = 0;
    o.progress = [&](std::int64_t, std::int64_t) { return ++calls < 3; };
    auto cancelled = Model::load(path, o);
    ASSERT_FALSE(cancelled.ok());
    EXPECT_NE(cancelled.error().message.find("was cancelled"), std::string::npos)
        << cancelled.error().message;
    EXPECT_EQ(calls, 3) << "nothing more is prepared after the cancel";
    EXPECT_TRUE(Model::load(path).ok());
}

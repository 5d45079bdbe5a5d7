// Model files whose numbers would exhaust memory or poison every result: sizes the weights cannot
// hold (checked before anything grows with them) and config values that make NaN.
#include "io/llama2c_checkpoint.h"
#include "io/model_directory.h"
#include "io/weight_spec.h"
#include "model_fixture.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <array>
#include <chrono>
#include <gtest/gtest.h>
#include <limits>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

std::string errorOf(const std::string& path) {
    auto m = openModelFiles(path);
    EXPECT_FALSE(m.ok()) << "expected a refusal for " << path;
    return m.ok() ? "" : m.error().message;
}

// The refusal of tiny_llama (or tiny_gpt2) with config.json's `field` set to `value`.
std::string configError(const std::string& model, const std::string& field, const std::string& value) {
    TempDir d;
    const auto dir = copyTestModel(d, model);
    editConfig(dir, field, value);
    return errorOf(dir);
}

TEST(ModelBounds, ConfigValuesThatMakeNaNAreRefusedByName) {
    for (const char* bad : {"-1", "0", "-1e-300", "\"small\""}) {
        const auto msg = configError("tiny_llama", "rms_norm_eps", bad);
        EXPECT_NE(msg.find("config.json: field 'rms_norm_eps' must be a positive finite number, got "),
                  std::string::npos)
            << bad << ": " << msg;
    }
    EXPECT_NE(configError("tiny_llama", "rms_norm_eps", "-1").find("got -1"), std::string::npos);
    EXPECT_NE(configError("tiny_llama", "rms_norm_eps", "\"small\"").find("got \"small\""),
              std::string::npos);
    for (const char* bad : {"0", "-10000", "false"}) {
        const auto msg = configError("tiny_llama", "rope_theta", bad);
        EXPECT_NE(msg.find("field 'rope_theta' must be a positive finite number"), std::string::npos)
            << bad << ": " << msg;
    }
    const auto gpt2 = configError("tiny_gpt2", "layer_norm_epsilon", "-0.5");
    EXPECT_NE(gpt2.find("field 'layer_norm_epsilon' must be a positive finite number, got -0.5"),
              std::string::npos)
        << gpt2;
}

TEST(ModelBounds, SinkscopeAttentionNumbersMustBeFinite) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    editConfig(dir, "sinkscope_attention", "\"sink_logit\"");
    // Finite as a double, infinite once made the float the forward pass uses.
    editConfig(dir, "sinkscope_sink_logit", "-1e300");
    auto msg = errorOf(dir);
    EXPECT_NE(msg.find("field 'sinkscope_sink_logit' must be a finite float, got -1e+300"), std::string::npos)
        << msg;
    editConfig(dir, "sinkscope_attention", "\"sigmoid\"");
    editConfig(dir, "sinkscope_sigmoid_bias", "1e39");
    msg = errorOf(dir);
    EXPECT_NE(msg.find("field 'sinkscope_sigmoid_bias' must be a finite float, got 1e+39"), std::string::npos)
        << msg;
}

TEST(ModelBounds, LayerCountBeyondTheWeightsIsRefusedWithoutListingThem) {
    // A billion layers would be a 10^10-entry tensor list (tens of GB) if it were built first.
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    editConfig(dir, "num_hidden_layers", "1000000000");
    const auto start = std::chrono::steady_clock::now();
    const auto msg = errorOf(dir);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_NE(msg.find("model.safetensors: tensor 'model.layers.2.input_layernorm.weight' is missing: the "
                       "weights hold 21 tensors, the config's 1000000000 layers (llama model type) need "
                       "9000000003"),
              std::string::npos)
        << msg;
    // The same for GPT-2's field name.
    const auto gpt2 = configError("tiny_gpt2", "n_layer", "1073741824");
    EXPECT_NE(gpt2.find("the config's 1073741824 layers"), std::string::npos) << gpt2;
}

TEST(ModelBounds, SizesThatMultiplyPastInt64Saturate) {
    ModelConfig c;
    c.modelType = "llama";
    c.nLayers = 1 << 30;
    c.nHeads = 1 << 10;
    c.nKvHeads = 1 << 10;
    c.dModel = 1 << 30;
    c.headDim = 1 << 20;
    c.dFf = 1 << 30;
    c.vocabSize = 1 << 30;
    c.maxPositions = 1 << 30;
    EXPECT_EQ(parameterCount(c), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(expectedTensorCount(c), (std::int64_t{1} << 30) * 9 + 3);
    EXPECT_EQ(llama2cFileSize(c), std::numeric_limits<std::int64_t>::max());
}

TEST(ModelBounds, Llama2cHeaderImplyingMoreThanTheFileIsRefused) {
    // Every field within its range, but together they imply exabytes: compared with the file's
    // size before anything is allocated, and without overflowing on the way.
    TempDir d;
    const std::array<std::int32_t, 7> header{1 << 20, 1 << 20, 1 << 20, 1 << 10, 1 << 10, 1 << 20, 1 << 20};
    std::string bytes(reinterpret_cast<const char*>(header.data()), 28);
    bytes += std::string(1024, '\0');
    const auto msg = errorOf(d.write("huge.bin", bytes));
    EXPECT_NE(msg.find("huge.bin: size 1052 bytes does not match the header (expected at least 8 EiB"),
              std::string::npos)
        << msg;
}

} // namespace

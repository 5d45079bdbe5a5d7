// RoPE scaling and the Qwen3 family in config.json: what parses to what, what is refused (one line
// naming the value), and the frequency bands each scaling type produces.
#include "core/read_file.h"
#include "io/model_config.h"
#include "io/weight_spec.h"
#include "test_paths.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A small Llama config with `extra` JSON members appended (e.g. a rope_scaling object).
std::string llamaJson(const std::string& extra, const std::string& type = "llama") {
    return R"({"model_type":")" + type +
           R"(","num_hidden_layers":1,"num_attention_heads":2,"hidden_size":32,"intermediate_size":8,)"
           R"("vocab_size":10,"max_position_embeddings":256)" +
           (extra.empty() ? "" : "," + extra) + "}";
}

ModelConfig parsed(const std::string& json) {
    auto c = parseHfConfig(json, "c.json");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : ModelConfig{};
}

std::string refusal(const std::string& json) {
    auto c = parseHfConfig(json, "c.json");
    EXPECT_FALSE(c.ok()) << json;
    return c.ok() ? "" : c.error().message;
}

// Element-wise equal up to rounding (the engine and the test may order operations differently).
void expectNear(const std::vector<double>& actual, const std::vector<double>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i)
        EXPECT_NEAR(actual[i], expected[i], 1e-12 * std::abs(expected[i])) << "frequency " << i;
}

void expectClose(double actual, double expected) {
    EXPECT_NEAR(actual, expected, 1e-12 * std::abs(expected));
}

std::vector<double> plain(double theta, int hd) {
    std::vector<double> f;
    for (int i = 0; i < hd / 2; ++i)
        f.push_back(std::pow(theta, -2.0 * i / hd));
    return f;
}

} // namespace

TEST(RopeScaling, ReadsEachTypeAndKeyAsTransformersDoes) {
    auto l3 = parsed(
        llamaJson(R"("rope_theta":500000.0,"rope_scaling":{"factor":32.0,"high_freq_factor":4.0,)"
                  R"("low_freq_factor":1.0,"original_max_position_embeddings":64,"rope_type":"llama3"})"));
    EXPECT_EQ(l3.rope.type, RopeScalingType::Llama3);
    EXPECT_EQ(l3.rope.factor, 32.0);
    EXPECT_EQ(l3.rope.originalMaxPositions, 64);
    EXPECT_EQ(l3.ropeTheta, 500000.0);

    // The legacy "type" key; "default" and null mean no scaling.
    EXPECT_EQ(parsed(llamaJson(R"("rope_scaling":{"type":"linear","factor":2})")).rope.type,
              RopeScalingType::Linear);
    EXPECT_EQ(parsed(llamaJson(R"("rope_scaling":{"rope_type":"default"})")).rope.type,
              RopeScalingType::None);
    EXPECT_EQ(parsed(llamaJson(R"("rope_scaling":null)")).rope.type, RopeScalingType::None);

    // transformers v5 writes "rope_parameters", with rope_theta inside it.
    auto v5 =
        parsed(llamaJson(R"("rope_parameters":{"rope_type":"dynamic","rope_theta":1234.0,"factor":2.0})"));
    EXPECT_EQ(v5.rope.type, RopeScalingType::Dynamic);
    EXPECT_EQ(v5.ropeTheta, 1234.0);
    EXPECT_EQ(parsed(llamaJson(R"("rope_parameters":{"rope_type":"default","rope_theta":7.0})")).ropeTheta,
              7.0);
    // rope_scaling wins over rope_parameters (convert_rope_params_to_dict).
    EXPECT_EQ(parsed(llamaJson(R"("rope_scaling":{"rope_type":"linear","factor":2},)"
                               R"("rope_parameters":{"rope_type":"dynamic","factor":2})"))
                  .rope.type,
              RopeScalingType::Linear);
}

TEST(RopeScaling, YarnResolvesFactorAndAttentionFactorAsTransformersDoes) {
    auto yarn = [](const std::string& fields) {
        return parsed(llamaJson(R"("rope_scaling":{"rope_type":"yarn",)" + fields + "}")).rope;
    };
    // attention factor from the factor alone: 0.1 ln(factor) + 1
    auto a = yarn(R"("factor":4.0,"original_max_position_embeddings":64)");
    EXPECT_NEAR(a.attentionFactor, 0.1 * std::log(4.0) + 1.0, 1e-12);
    EXPECT_EQ(a.betaFast, 32.0);
    EXPECT_EQ(a.betaSlow, 1.0);
    EXPECT_TRUE(a.truncate);
    // DeepSeek style: mscale and mscale_all_dim both set -> their ratio
    auto b = yarn(R"("factor":40,"mscale":2.0,"mscale_all_dim":1.0,"original_max_position_embeddings":64)");
    EXPECT_NEAR(b.attentionFactor, (0.2 * std::log(40.0) + 1.0) / (0.1 * std::log(40.0) + 1.0), 1e-12);
    // only one of them (or one zero): the factor alone
    EXPECT_NEAR(yarn(R"("factor":4.0,"mscale":1.0,"mscale_all_dim":0)").attentionFactor,
                0.1 * std::log(4.0) + 1.0, 1e-12);
    // explicit attention_factor wins; null factor is max_position_embeddings / original
    auto c =
        yarn(R"("factor":null,"attention_factor":0.5,"original_max_position_embeddings":32,"beta_fast":8,)"
             R"("beta_slow":2,"truncate":false)");
    EXPECT_EQ(c.factor, 8.0);
    EXPECT_EQ(c.attentionFactor, 0.5);
    EXPECT_EQ(c.betaFast, 8.0);
    EXPECT_FALSE(c.truncate);
    // original_max_position_embeddings defaults to max_position_embeddings
    EXPECT_EQ(yarn(R"("factor":2)").originalMaxPositions, 256);
}

TEST(RopeScaling, RefusalsNameTheValue) {
    EXPECT_EQ(refusal(llamaJson(R"("rope_scaling":{"rope_type":"foo","factor":2})")),
              "c.json: rope_scaling type 'foo' is not supported (llama3, linear, dynamic, yarn, longrope)");
    EXPECT_EQ(refusal(llamaJson(R"("rope_parameters":{"rope_type":"longrope"})")),
              "c.json: rope_parameters type 'longrope' needs 'short_factor'");
    EXPECT_EQ(refusal(llamaJson(R"("rope_scaling":{"rope_type":"linear"})")),
              "c.json: rope_scaling type 'linear' needs 'factor'");
    EXPECT_EQ(refusal(llamaJson(R"("rope_scaling":{"rope_type":"llama3","factor":8,"low_freq_factor":1})")),
              "c.json: rope_scaling type 'llama3' needs 'high_freq_factor'");
    EXPECT_NE(refusal(llamaJson(R"("rope_scaling":{"rope_type":"llama3","factor":8,"low_freq_factor":4,)"
                                R"("high_freq_factor":4})"))
                  .find("high_freq_factor 4 must exceed low_freq_factor 4"),
              std::string::npos);
    EXPECT_EQ(refusal(llamaJson(R"("rope_scaling":{"rope_type":"dynamic","factor":-2})")),
              "c.json: rope_scaling field 'factor' must be a positive number, got -2");
    EXPECT_EQ(refusal(llamaJson(R"("rope_scaling":"yarn")")),
              "c.json: rope_scaling must be an object, got \"yarn\"");
    EXPECT_NE(refusal(llamaJson(R"("partial_rotary_factor":0.5)"))
                  .find("partial_rotary_factor 0.5 is not supported"),
              std::string::npos);
}

TEST(RopeScaling, ConfigRoundTripsThroughJson) {
    for (const char* s : {R"({"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,)"
                          R"("original_max_position_embeddings":64})",
                          R"({"rope_type":"yarn","factor":4,"mscale":2,"mscale_all_dim":1,"beta_fast":16,)"
                          R"("original_max_position_embeddings":64,"truncate":false})",
                          R"({"rope_type":"dynamic","factor":3})", R"({"rope_type":"linear","factor":2})"}) {
        const auto c = parsed(llamaJson(std::string(R"("rope_scaling":)") + s));
        const auto back = parsed(toHfConfigJson(c));
        EXPECT_EQ(back.rope.type, c.rope.type) << s;
        EXPECT_EQ(ropeInverseFrequencies(back.rope, back.ropeTheta, back.headDim, back.maxPositions, 1000),
                  ropeInverseFrequencies(c.rope, c.ropeTheta, c.headDim, c.maxPositions, 1000))
            << s;
        EXPECT_EQ(ropeAttentionScaling(back.rope), ropeAttentionScaling(c.rope)) << s;
    }
}

TEST(RopeScaling, FrequencyBandsOfEachType) {
    const int hd = 16;
    const double theta = 10000.0;
    const auto base = plain(theta, hd);
    RopeScaling none;
    expectNear(ropeInverseFrequencies(none, theta, hd, 64, 1), base);

    RopeScaling linear;
    linear.type = RopeScalingType::Linear;
    linear.factor = 4.0;
    const auto lin = ropeInverseFrequencies(linear, theta, hd, 64, 1);
    for (std::size_t i = 0; i < base.size(); ++i)
        expectClose(lin[i], base[i] / 4.0);

    // llama3: wavelengths below original/high_freq_factor stay, above original/low_freq_factor are
    // divided by the factor, the ones between are interpolated.
    RopeScaling l3;
    l3.type = RopeScalingType::Llama3;
    l3.factor = 8.0;
    l3.originalMaxPositions = 64;
    const auto f3 = ropeInverseFrequencies(l3, theta, hd, 256, 1);
    int high = 0, low = 0, medium = 0;
    for (std::size_t i = 0; i < base.size(); ++i) {
        const double wavelen = 2 * kPi / base[i];
        if (wavelen < 64.0 / 4.0) {
            expectClose(f3[i], base[i]);
            ++high;
        } else if (wavelen > 64.0) {
            expectClose(f3[i], base[i] / 8.0);
            ++low;
        } else {
            EXPECT_LT(f3[i], base[i]);
            EXPECT_GT(f3[i], base[i] / 8.0);
            ++medium;
        }
    }
    EXPECT_EQ(high, 1);
    EXPECT_EQ(medium, 2);
    EXPECT_EQ(low, 5);

    // dynamic: plain up to max_position_embeddings, then a larger base that grows with the length
    RopeScaling dyn;
    dyn.type = RopeScalingType::Dynamic;
    dyn.factor = 2.0;
    expectNear(ropeInverseFrequencies(dyn, theta, hd, 16, 16), base);
    const auto d24 = ropeInverseFrequencies(dyn, theta, hd, 16, 24);
    const auto d32 = ropeInverseFrequencies(dyn, theta, hd, 16, 32);
    const double grown = theta * std::pow(2.0 * 24 / 16 - 1.0, 16.0 / 14.0);
    expectClose(d24[3], std::pow(grown, -6.0 / 16));
    expectClose(d24[0], 1.0);
    for (std::size_t i = 1; i < base.size(); ++i) {
        EXPECT_LT(d24[i], base[i]);
        EXPECT_LT(d32[i], d24[i]);
    }

    // yarn: for hd 16, theta 1e4, original 64 the ramp runs over dimensions [0, 3]: dimension 0
    // keeps its frequency, 1 and 2 blend, 3 and above are divided by the factor.
    RopeScaling yarn;
    yarn.type = RopeScalingType::Yarn;
    yarn.factor = 4.0;
    yarn.originalMaxPositions = 64;
    const auto fy = ropeInverseFrequencies(yarn, theta, hd, 256, 1);
    expectClose(fy[0], base[0]);
    expectClose(fy[1], base[1] / 4.0 / 3.0 + base[1] * 2.0 / 3.0);
    expectClose(fy[2], base[2] / 4.0 * 2.0 / 3.0 + base[2] / 3.0);
    for (std::size_t i = 3; i < base.size(); ++i)
        expectClose(fy[i], base[i] / 4.0);
}

TEST(Qwen3Config, ReadsQkNormHeadDimAndHfDefaults) {
    // head_dim 16 with hidden 36 / 2 heads: explicit head_dim need not divide the hidden size.
    auto q = parsed(R"({"model_type":"qwen3","num_hidden_layers":1,"num_attention_heads":2,"hidden_size":36,)"
                    R"("intermediate_size":8,"vocab_size":10,"head_dim":16,"use_sliding_window":false,)"
                    R"("layer_types":["full_attention"],"bos_token_id":3})");
    EXPECT_EQ(q.family, Family::Llama);
    EXPECT_EQ(q.qkNorm, QkNorm::PerHead);
    EXPECT_EQ(q.headDim, 16);
    EXPECT_EQ(q.normEps, 1e-6);
    EXPECT_EQ(q.maxPositions, 32768);
    EXPECT_FALSE(q.tieEmbeddings);
    EXPECT_FALSE(q.qkvBias);
    EXPECT_FALSE(q.addBos); // Qwen tokenizers add no BOS
    bool qNorm = false;
    for (const auto& t : expectedTensors(q))
        if (t.name == "model.layers.0.self_attn.q_norm.weight")
            qNorm = t.shape == std::vector<std::int64_t>{16};
    EXPECT_TRUE(qNorm);

    // Qwen3Config's head_dim default is 128, not hidden / heads.
    EXPECT_EQ(parsed(llamaJson("", "qwen3")).headDim, 128);
    // attention_bias puts biases on q, k, v and o (Qwen3Attention, LlamaAttention).
    auto biased = parsed(llamaJson(R"("attention_bias":true)", "qwen3"));
    EXPECT_TRUE(biased.qkvBias);
    EXPECT_TRUE(biased.outputBias);
    EXPECT_TRUE(parsed(llamaJson(R"("attention_bias":true)")).outputBias);
    // The round trip keeps the family, head_dim and q/k norms.
    const auto back = parsed(toHfConfigJson(q));
    EXPECT_EQ(back.qkNorm, QkNorm::PerHead);
    EXPECT_EQ(back.headDim, 16);
}

// The published config.json files of two models researchers study, with their parameter counts
// (tied embeddings counted once): Llama-3.2-1B 1.24 B, Qwen3-0.6B 0.60 B (0.44 B without embeddings).
TEST(RealConfigs, ParseWithTheirPublishedParameterCounts) {
    auto llama = loadHfConfig(dataPath("configs/Llama-3.2-1B.config.json"));
    ASSERT_TRUE(llama.ok()) << llama.error().message;
    EXPECT_EQ(llama->rope.type, RopeScalingType::Llama3);
    EXPECT_EQ(llama->rope.factor, 32.0);
    EXPECT_EQ(llama->rope.originalMaxPositions, 8192);
    EXPECT_EQ(llama->ropeTheta, 500000.0);
    EXPECT_EQ(llama->headDim, 64);
    EXPECT_EQ(llama->nKvHeads, 8);
    EXPECT_TRUE(llama->tieEmbeddings);
    EXPECT_EQ(parameterCount(*llama), 1235814400);
    EXPECT_NEAR(static_cast<double>(parameterCount(*llama)) / 1e9, 1.24, 0.005);

    auto qwen = loadHfConfig(dataPath("configs/Qwen3-0.6B.config.json"));
    ASSERT_TRUE(qwen.ok()) << qwen.error().message;
    EXPECT_EQ(qwen->qkNorm, QkNorm::PerHead);
    EXPECT_EQ(qwen->headDim, 128);
    EXPECT_EQ(qwen->dModel, 1024);
    EXPECT_EQ(qwen->rope.type, RopeScalingType::None);
    EXPECT_EQ(qwen->ropeTheta, 1e6);
    EXPECT_TRUE(qwen->tieEmbeddings);
    EXPECT_EQ(parameterCount(*qwen), 596049920);
    EXPECT_NEAR(static_cast<double>(parameterCount(*qwen)) / 1e9, 0.60, 0.005);
    EXPECT_NEAR(static_cast<double>(parameterCount(*qwen) - 151936LL * 1024) / 1e9, 0.44, 0.005);
}

// GGUF llama models through openModelFiles: the config from metadata, the weights under HF names
// (q/k un-permuted, quantized tensors dequantized) against the safetensors of the same model, and
// the refusals (missing keys, shapes that contradict the metadata, unreadable types, other
// architectures, stray tensors).
#include "gguf_test_builder.h"
#include "io/float_weights.h"
#include "io/gguf_model.h"
#include "io/gguf_names.h"
#include "io/model_directory.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;

namespace {

#define EXPECT_MENTIONS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << (msg)

// The values of a tensor as the engine reads them (plain dtypes converted, GGUF blocks decoded).
std::vector<float> floatsOf(const TensorRef& t) {
    std::vector<float> out(static_cast<std::size_t>(t.numel()));
    EXPECT_TRUE(toFloat32Checked(t, out.data()).ok()) << t.name;
    return out;
}

std::string refusal(const GgufBuilder& b) {
    TempDir d;
    auto m = openModelFiles(d.write("m.gguf", b.bytes()));
    EXPECT_FALSE(m.ok()) << "expected a refusal";
    return m.ok() ? "" : m.error().message;
}

TEST(GgufLlama, ConfigComesFromTheMetadata) {
    auto m = openModelFiles(dataPath("models/tiny_llama_f32.gguf"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    const ModelConfig& c = m->config;
    EXPECT_EQ(m->format, ModelFormat::Gguf);
    EXPECT_STREQ(modelFormatName(m->format), "GGUF");
    EXPECT_EQ(c.family, Family::Llama);
    EXPECT_EQ(c.nLayers, 2);
    EXPECT_EQ(c.nHeads, 4);
    EXPECT_EQ(c.nKvHeads, 2);
    EXPECT_EQ(c.dModel, 32);
    EXPECT_EQ(c.dFf, 88);
    EXPECT_EQ(c.headDim, 8);
    EXPECT_EQ(c.vocabSize, 100);
    EXPECT_EQ(c.maxPositions, 128);
    EXPECT_NEAR(c.normEps, 1e-5, 1e-12);
    EXPECT_EQ(c.ropeTheta, 10000.0);
    EXPECT_FALSE(c.tieEmbeddings);
    EXPECT_FALSE(c.qkvBias);
    EXPECT_EQ(c.bosId, 1);
    EXPECT_EQ(c.eosId, 2);
    EXPECT_TRUE(c.addBos);
    EXPECT_EQ(m->directory,
              std::filesystem::path(dataPath("models/tiny_llama_f32.gguf")).parent_path().string());
}

TEST(GgufLlama, F32WeightsEqualTheSafetensorsOnesAfterUnpermuting) {
    auto hf = openModelFiles(dataPath("models/tiny_llama"));
    ASSERT_TRUE(hf.ok()) << hf.error().message;
    auto g = openModelFiles(dataPath("models/tiny_llama_f32.gguf"));
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g->weights.names(), hf->weights.names());
    for (const auto& name : hf->weights.names()) {
        const TensorRef* a = hf->weights.find(name);
        const TensorRef* b = g->weights.find(name);
        ASSERT_NE(b, nullptr) << name;
        EXPECT_EQ(b->shape, a->shape) << name;
        EXPECT_EQ(floatsOf(*b), floatsOf(*a)) << name; // bit for bit: BF16 values are exact in F32
    }
}

TEST(GgufLlama, QuantizedWeightsStayWithinTheirBlockError) {
    auto hf = openModelFiles(dataPath("models/tiny_llama"));
    ASSERT_TRUE(hf.ok()) << hf.error().message;
    // Q8_0 rounds to d/2 with d = max|x|/127 per block; Q4_0 to d/2 with d = max|x|/8, except the
    // top nibble (clamped to 15) which can be off by a whole step. The F16 scale adds up to
    // 127 * d * 2^-11 < 0.1% of max|x|.
    for (const auto& [file, steps] :
         {std::pair{"tiny_llama_q8_0.gguf", 0.5 / 127}, std::pair{"tiny_llama_q4_0.gguf", 1.0 / 8}}) {
        auto g = openModelFiles(dataPath(std::string("models/") + file));
        ASSERT_TRUE(g.ok()) << g.error().message;
        for (const auto& name : hf->weights.names()) {
            const auto a = floatsOf(*hf->weights.find(name));
            const auto b = floatsOf(*g->weights.find(name));
            ASSERT_EQ(a.size(), b.size()) << name;
            float maxAbs = 0;
            for (float x : a)
                maxAbs = std::max(maxAbs, std::abs(x));
            float worst = 0;
            for (std::size_t i = 0; i < a.size(); ++i)
                worst = std::max(worst, std::abs(a[i] - b[i]));
            EXPECT_LE(worst, maxAbs * (steps + 1e-3)) << file << " " << name;
        }
    }
}

TEST(GgufLlama, ADirectoryWithOneGgufOpensIt) {
    TempDir d;
    std::filesystem::copy_file(dataPath("models/tiny_llama_q4_0.gguf"), d.path("model.gguf"));
    auto m = openModelFiles(d.path());
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->format, ModelFormat::Gguf);
    EXPECT_EQ(m->weightsPath, d.path("model.gguf"));
    std::filesystem::copy_file(dataPath("models/tiny_llama_q8_0.gguf"), d.path("other.gguf"));
    auto two = openModelFiles(d.path());
    ASSERT_FALSE(two.ok());
    EXPECT_MENTIONS(two.error().message, "holds 2 .gguf files; name the one to open");
}

TEST(GgufLlama, MicroModelTiesTheEmbeddingWithoutOutputWeight) {
    GgufBuilder b = microLlama();
    EXPECT_MENTIONS(refusal(b.removeTensor("output_norm.weight")), "tensor 'output_norm.weight' is missing");
    b = microLlama();
    b.removeTensor("output.weight");
    TempDir d;
    auto m = openModelFiles(d.write("m.gguf", b.bytes()));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(m->config.tieEmbeddings);
    EXPECT_EQ(m->config.nKvHeads, 1);
    EXPECT_EQ(m->config.headDim, 4);
    EXPECT_EQ(m->weights.find("lm_head.weight"), nullptr);
}

TEST(GgufLlama, QAndKRowsAreReorderedToRotateHalf) {
    // One head of 4: GGUF rows (0, 1, 2, 3) hold HF rows (0, 2, 1, 3).
    GgufBuilder b = microLlama();
    std::vector<float> q(64), k(32);
    for (std::size_t i = 0; i < q.size(); ++i)
        q[i] = static_cast<float>(i / 8); // the value is the GGUF row
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<float>(i / 8);
    b.findTensor("blk.0.attn_q.weight")->data = f32Bytes(q);
    b.findTensor("blk.0.attn_k.weight")->data = f32Bytes(k);
    TempDir d;
    auto m = openModelFiles(d.write("m.gguf", b.bytes()));
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto rows = [](const std::vector<float>& v) {
        std::vector<float> r;
        for (std::size_t i = 0; i < v.size(); i += 8)
            r.push_back(v[i]);
        return r;
    };
    EXPECT_EQ(rows(floatsOf(*m->weights.find("model.layers.0.self_attn.q_proj.weight"))),
              (std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7}));
    EXPECT_EQ(rows(floatsOf(*m->weights.find("model.layers.0.self_attn.k_proj.weight"))),
              (std::vector<float>{0, 2, 1, 3}));
}

TEST(GgufLlama, MissingOrWrongMetadataIsNamed) {
    for (const char* key :
         {"llama.block_count", "llama.embedding_length", "llama.feed_forward_length",
          "llama.attention.head_count", "llama.context_length", "llama.attention.layer_norm_rms_epsilon"}) {
        GgufBuilder b = microLlama();
        EXPECT_MENTIONS(refusal(b.remove(key)),
                        fmt::format("key '{}': missing (required for a llama model)", key));
    }
    GgufBuilder b = microLlama();
    EXPECT_MENTIONS(refusal(b.remove("general.architecture")), "key 'general.architecture': missing");
    b = microLlama();
    b.remove("llama.block_count").str("llama.block_count", "2");
    EXPECT_MENTIONS(refusal(b), "key 'llama.block_count': has type string, expected an integer");
    b = microLlama();
    b.remove("llama.attention.head_count").u32("llama.attention.head_count", 0);
    EXPECT_MENTIONS(refusal(b), "key 'llama.attention.head_count': is 0, expected 1 to 65536");
    b = microLlama();
    b.remove("llama.attention.head_count_kv").u32("llama.attention.head_count_kv", 3);
    EXPECT_MENTIONS(refusal(b), "2 attention heads are not a multiple of 3 key/value heads");
    b = microLlama();
    b.remove("llama.attention.layer_norm_rms_epsilon").f32("llama.attention.layer_norm_rms_epsilon", -1);
    EXPECT_MENTIONS(refusal(b), "is -1, expected a positive number");
    b = microLlama();
    b.remove("llama.block_count").u32("llama.block_count", 60000);
    EXPECT_MENTIONS(refusal(b), "block_count 60000 is more layers than the file has tensors (12)");
    b = microLlama();
    b.remove("general.architecture").str("general.architecture", "mamba");
    EXPECT_MENTIONS(refusal(b),
                    "general.architecture is 'mamba'; SinkScope reads GGUF models of the "
                    "architectures llama, qwen2, qwen3, gemma, gemma2, gemma3, phi3, gptneox, olmo2");
    b = microLlama();
    b.u32("llama.expert_count", 8);
    EXPECT_MENTIONS(refusal(b), "mixture-of-experts models are not supported");
    b = microLlama();
    b.str("llama.rope.scaling.type", "ntk");
    EXPECT_MENTIONS(refusal(b), "key 'llama.rope.scaling.type' is 'ntk': RoPE scaling of that type is not "
                                "supported");
    b = microLlama();
    b.str("llama.rope.scaling.type", "yarn");
    EXPECT_MENTIONS(refusal(b), "key 'llama.rope.scaling.original_context_length': missing");
    b = microLlama();
    b.u32("llama.rope.dimension_count", 2);
    EXPECT_MENTIONS(refusal(b), "llama.rope.dimension_count 2 does not fit the head dimension 4 (RoPE on the "
                                "whole head)");
    b = microLlama();
    b.tensor("rope_freqs.weight", {3}, GgmlType::F32, patternF32(3));
    EXPECT_MENTIONS(refusal(b), "tensor 'rope_freqs.weight' has dims [3], the rotary dimensions need [2]");
    b = microLlama();
    b.u32("tokenizer.ggml.bos_token_id", 9);
    EXPECT_MENTIONS(refusal(b), "key 'tokenizer.ggml.bos_token_id': is 9, expected 0 to 3");
    b = microLlama();
    b.remove("tokenizer.ggml.tokens").strings("tokenizer.ggml.tokens", {"a", "b", "c"});
    EXPECT_MENTIONS(refusal(b), "tokenizer.ggml.tokens lists 3 tokens but token_embd.weight has 4 rows");
}

TEST(GgufLlama, TensorsThatContradictTheMetadataAreNamed) {
    GgufBuilder b = microLlama();
    b.findTensor("blk.0.ffn_down.weight")->dims = {4, 16};
    EXPECT_MENTIONS(refusal(b),
                    "tensor 'blk.0.ffn_down.weight' has dims [4,16] but the metadata implies [8,8] "
                    "(innermost first)");
    b = microLlama();
    b.remove("llama.feed_forward_length").u32("llama.feed_forward_length", 16);
    EXPECT_MENTIONS(refusal(b),
                    "tensor 'blk.0.ffn_gate.weight' has dims [8,8] but the metadata implies [8,16]");
    b = microLlama();
    b.removeTensor("blk.0.attn_v.weight");
    EXPECT_MENTIONS(refusal(b), "tensor 'blk.0.attn_v.weight' is missing (block_count 1)");
    b = microLlama();
    auto* down = b.findTensor("blk.0.ffn_down.weight");
    down->dims = {256, 8};
    down->type = static_cast<std::uint32_t>(GgmlType::IQ2_XXS);
    down->data = std::string(66 * 8, '\0');
    b.remove("llama.feed_forward_length").u32("llama.feed_forward_length", 256);
    b.findTensor("blk.0.ffn_gate.weight")->dims = {8, 256};
    b.findTensor("blk.0.ffn_gate.weight")->data = patternF32(8 * 256);
    b.findTensor("blk.0.ffn_up.weight")->dims = {8, 256};
    b.findTensor("blk.0.ffn_up.weight")->data = patternF32(8 * 256);
    EXPECT_MENTIONS(refusal(b), "tensor 'blk.0.ffn_down.weight' has type IQ2_XXS, which SinkScope cannot "
                                "read (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, "
                                "Q4_K, Q5_K, Q6_K)");
    b = microLlama();
    b.tensor("blk.1.attn_q.weight", {8, 8}, GgmlType::F32, patternF32(64));
    EXPECT_MENTIONS(refusal(b), "unexpected tensor 'blk.1.attn_q.weight' for block_count 1");
    b = microLlama();
    b.tensor("blk.0.attn_q.scale", {8}, GgmlType::F32, patternF32(8));
    EXPECT_MENTIONS(refusal(b), "tensor 'blk.0.attn_q.scale' is not part of a llama model");
}

TEST(GgufLlama, TensorNamesMapToHuggingFaceNames) {
    ModelConfig c;
    c.family = Family::Llama;
    auto hf = [&](const char* gguf) { return hfNameForGguf(c, gguf); };
    EXPECT_EQ(hf("token_embd.weight"), "model.embed_tokens.weight");
    EXPECT_EQ(hf("output.weight"), "lm_head.weight");
    EXPECT_EQ(hf("output_norm.weight"), "model.norm.weight");
    EXPECT_EQ(hf("blk.12.ffn_down.weight"), "model.layers.12.mlp.down_proj.weight");
    EXPECT_EQ(hf("blk.0.attn_norm.weight"), "model.layers.0.input_layernorm.weight");
    EXPECT_EQ(hf("blk.3.attn_output.weight"), "model.layers.3.self_attn.o_proj.weight");
    EXPECT_EQ(hf("blk.3.attn_q.bias"), "model.layers.3.self_attn.q_proj.bias");
    EXPECT_EQ(hf("blk.3.attn_k_norm.weight"), "model.layers.3.self_attn.k_norm.weight");
    EXPECT_EQ(hf("blk.3.ffn_norm.weight"), "model.layers.3.post_attention_layernorm.weight");
    EXPECT_EQ(hf("blk.01.ffn_up.weight"), std::nullopt); // not canonical
    EXPECT_EQ(hf("blk.x.ffn_up.weight"), std::nullopt);
    EXPECT_EQ(hf("blk.1.ffn_up"), std::nullopt);
    EXPECT_EQ(hf("blk.1.ffn_gate_exps.weight"), std::nullopt);
    EXPECT_EQ(hf("blk.1.post_ffw_norm.weight"), std::nullopt);
    EXPECT_EQ(ggufNameForHf(c, "model.layers.7.mlp.gate_proj.weight"), "blk.7.ffn_gate.weight");

    // The same GGUF name is another HF tensor in Gemma 2/3's sandwich of norms.
    c.family = Family::Gemma;
    c.layout = BlockLayout::Sandwich;
    EXPECT_EQ(hf("blk.2.ffn_norm.weight"), "model.layers.2.pre_feedforward_layernorm.weight");
    EXPECT_EQ(hf("blk.2.post_attention_norm.weight"), "model.layers.2.post_attention_layernorm.weight");
    EXPECT_EQ(hf("blk.2.post_ffw_norm.weight"), "model.layers.2.post_feedforward_layernorm.weight");
    c.family = Family::Olmo2;
    c.layout = BlockLayout::PostSublayer;
    EXPECT_EQ(hf("blk.0.post_attention_norm.weight"), "model.layers.0.post_attention_layernorm.weight");
    EXPECT_EQ(hf("blk.0.attn_norm.weight"), std::nullopt);
    c.family = Family::Phi3;
    c.layout = BlockLayout::PreNorm;
    EXPECT_EQ(hf("blk.1.attn_qkv.weight"), "model.layers.1.self_attn.qkv_proj.weight");
    EXPECT_EQ(hf("blk.1.ffn_up.weight"), "model.layers.1.mlp.gate_up_proj.weight");
    c.family = Family::GptNeox;
    EXPECT_EQ(hf("token_embd.weight"), "gpt_neox.embed_in.weight");
    EXPECT_EQ(hf("output_norm.bias"), "gpt_neox.final_layer_norm.bias");
    EXPECT_EQ(hf("output.weight"), "embed_out.weight");
    EXPECT_EQ(hf("blk.4.attn_qkv.bias"), "gpt_neox.layers.4.attention.query_key_value.bias");
    EXPECT_EQ(hf("blk.4.ffn_up.weight"), "gpt_neox.layers.4.mlp.dense_h_to_4h.weight");
    EXPECT_EQ(hf("blk.4.ffn_down.bias"), "gpt_neox.layers.4.mlp.dense_4h_to_h.bias");
}

} // namespace

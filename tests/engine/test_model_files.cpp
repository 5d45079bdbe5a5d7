// Opening model files: configs, weight validation against the config, sharded checkpoints,
// llama2.c checkpoints and every refusal path (pickles, truncation, missing or misshapen tensors).
#include "io/llama2c_checkpoint.h"
#include "io/model_directory.h"
#include "io/random_checkpoint.h"
#include "io/safetensors_writer.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

std::string errorOf(const std::string& path) {
    auto m = openModelFiles(path);
    EXPECT_FALSE(m.ok()) << "expected a refusal for " << path;
    return m.ok() ? "" : m.error().message;
}

ModelConfig tinyLlama() {
    ModelConfig c;
    c.family = Family::Llama;
    c.modelType = "llama";
    c.nLayers = 2;
    c.nHeads = 4;
    c.nKvHeads = 2;
    c.dModel = 16;
    c.dFf = 24;
    c.headDim = 4;
    c.vocabSize = 20;
    c.maxPositions = 32;
    c.bosId = 1;
    c.eosId = 2;
    c.addBos = true;
    return c;
}

TEST(ModelFiles, OpensCommittedCheckpointsOfEveryLayout) {
    for (const auto* name : {"tiny_gpt2", "tiny_llama", "tiny_qwen2"}) {
        auto m = openModelFiles(dataPath(std::string("models/") + name));
        ASSERT_TRUE(m.ok()) << m.error().message;
    }
    auto q = openModelFiles(dataPath("models/tiny_qwen2"));
    EXPECT_EQ(q->config.nKvHeads, 1);
    EXPECT_TRUE(q->config.qkvBias);
    EXPECT_TRUE(q->config.tieEmbeddings);
    EXPECT_FALSE(q->config.addBos);
}

TEST(ModelFiles, ConfigRoundTripsThroughJson) {
    const auto c = tinyLlama();
    auto back = parseHfConfig(toHfConfigJson(c), "config.json");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->nKvHeads, 2);
    EXPECT_EQ(back->dFf, 24);
    EXPECT_EQ(back->bosId, 1);
}

TEST(ModelFiles, MalformedConfigsNameTheField) {
    EXPECT_NE(parseHfConfig("{", "c.json").error().message.find("c.json: not valid JSON"), std::string::npos);
    EXPECT_NE(
        parseHfConfig(R"({"model_type":"bert"})", "c.json").error().message.find("'bert' is not supported"),
        std::string::npos);
    const auto neg = parseHfConfig(
        R"({"model_type":"llama","num_hidden_layers":-1,"num_attention_heads":2,"hidden_size":8,"intermediate_size":8,"vocab_size":5})",
        "c.json");
    EXPECT_NE(neg.error().message.find("num_hidden_layers"), std::string::npos) << neg.error().message;
    const auto gqa = parseHfConfig(
        R"({"model_type":"llama","num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":3,"hidden_size":8,"intermediate_size":8,"vocab_size":5})",
        "c.json");
    EXPECT_NE(gqa.error().message.find("not a multiple of 3"), std::string::npos) << gqa.error().message;
}

TEST(ModelFiles, RandomCheckpointValidates) {
    TempDir d;
    ASSERT_TRUE(writeRandomCheckpoint(d.path("m"), tinyLlama(), 3, 0.02f, DType::BF16).ok());
    auto m = openModelFiles(d.path("m"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->weights.find("model.layers.1.self_attn.k_proj.weight")->shape,
              (std::vector<std::int64_t>{8, 16}));
}

TEST(ModelFiles, MissingTensorIsNamed) {
    TempDir d;
    auto c = tinyLlama();
    ASSERT_TRUE(writeRandomCheckpoint(d.path("m"), c, 3).ok());
    c.nLayers = 3; // the config now promises a layer the weights lack
    std::ofstream(d.path("m/config.json")) << toHfConfigJson(c);
    const auto msg = errorOf(d.path("m"));
    EXPECT_NE(msg.find("'model.layers.2.input_layernorm.weight' is missing"), std::string::npos) << msg;
}

TEST(ModelFiles, ShapeMismatchIsNamed) {
    TempDir d;
    auto c = tinyLlama();
    ASSERT_TRUE(writeRandomCheckpoint(d.path("m"), c, 3).ok());
    c.dFf = 30;
    std::ofstream(d.path("m/config.json")) << toHfConfigJson(c);
    const auto msg = errorOf(d.path("m"));
    EXPECT_NE(msg.find("'model.layers.0.mlp.gate_proj.weight' has shape [24,16], config says [30,16]"),
              std::string::npos)
        << msg;
}

TEST(ModelFiles, WrongDtypeIsNamed) {
    TempDir d;
    const auto c = tinyLlama();
    ASSERT_TRUE(writeRandomCheckpoint(d.path("m"), c, 3).ok());
    std::ofstream(d.path("m/config.json")) << toHfConfigJson(c);
    // Replace the weights by integer tensors of the right shapes.
    std::vector<std::vector<std::int32_t>> bufs;
    std::vector<TensorToWrite> ts;
    auto m = openModelFiles(d.path("m"));
    ASSERT_TRUE(m.ok());
    for (const auto& n : m->weights.names()) {
        const auto* t = m->weights.find(n);
        bufs.emplace_back(static_cast<std::size_t>(t->numel()), 0);
        ts.push_back({n, DType::I32, t->shape, bufs.back().data()});
    }
    m = Error{"closed"};
    ASSERT_TRUE(writeSafetensors(d.path("m/model.safetensors"), ts).ok());
    const auto msg = errorOf(d.path("m"));
    EXPECT_NE(msg.find("has dtype I32"), std::string::npos) << msg;
}

TEST(ModelFiles, UnexpectedTensorIsRefused) {
    TempDir d;
    const auto c = tinyLlama();
    ASSERT_TRUE(writeRandomCheckpoint(d.path("m"), c, 3).ok());
    auto c2 = c;
    c2.nLayers = 1;
    std::ofstream(d.path("m/config.json")) << toHfConfigJson(c2);
    const auto msg = errorOf(d.path("m"));
    EXPECT_NE(msg.find("unexpected tensor 'model.layers.1."), std::string::npos) << msg;
}

TEST(ModelFiles, PicklesAreRefusedWithAnExplanation) {
    TempDir d;
    const auto pickle = d.write("pytorch_model.bin", std::string("\x80\x02}q\x00(X\x05\x00\x00\x00", 12));
    auto msg = errorOf(pickle);
    EXPECT_NE(msg.find("never unpickles"), std::string::npos) << msg;
    const auto zip = d.write("model.pt", std::string("PK\x03\x04rest", 8));
    msg = errorOf(zip);
    EXPECT_NE(msg.find("safetensors"), std::string::npos) << msg;
    d.write("config.json", toHfConfigJson(tinyLlama()));
    msg = errorOf(d.path());
    EXPECT_NE(msg.find("pytorch_model.bin"), std::string::npos) << msg;
}

TEST(ModelFiles, ShardIndexRefusesEscapingShardNames) {
    TempDir d;
    d.write("config.json", toHfConfigJson(tinyLlama()));
    d.write("model.safetensors.index.json", R"({"weight_map":{"model.norm.weight":"../evil.safetensors"}})");
    const auto msg = errorOf(d.path());
    EXPECT_NE(msg.find("invalid shard"), std::string::npos) << msg;
}

TEST(ModelFiles, Llama2cCheckpointLoadsAndTruncationIsRefused) {
    const auto path = sharedModelPath("stories260K/stories260K.bin");
    auto m = openModelFiles(path);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->config.nLayers, 5);
    EXPECT_EQ(m->config.nKvHeads, 4);
    EXPECT_EQ(m->config.vocabSize, 512);
    EXPECT_TRUE(m->config.tieEmbeddings);

    TempDir d;
    auto bytes = readBytes(path);
    bytes.resize(bytes.size() / 2);
    const auto msg = errorOf(d.write("half.bin", bytes));
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_NE(errorOf(d.write("junk.bin", std::string(100, '\x7f'))).find("out of range"), std::string::npos);
}

TEST(ModelFiles, InterleavedToHalfPermutesRowsWithinHeads) {
    // one head of size 4, two columns: rows (0,1,2,3) -> (0,2,1,3)
    const std::vector<float> w{0, 0, 1, 1, 2, 2, 3, 3};
    const auto out = interleavedToHalfRows(w.data(), 1, 4, 2);
    EXPECT_EQ(out, (std::vector<float>{0, 0, 2, 2, 1, 1, 3, 3}));
}

TEST(ModelFiles, MissingPathsAndUnsupportedFormatsAreExplained) {
    EXPECT_NE(errorOf("/nonexistent/model").find("no such file"), std::string::npos);
    TempDir d;
    EXPECT_NE(errorOf(d.path()).find("no model found"), std::string::npos);
    // A .gguf file, alone in its directory, is opened (and this one is refused as truncated).
    EXPECT_NE(errorOf(d.write("m.gguf", "GGUF")).find("m.gguf: header: truncated"), std::string::npos);
    EXPECT_NE(errorOf(d.path()).find("m.gguf: header: truncated"), std::string::npos);
}

} // namespace

// The families past plain RoPE: rope_scaling (llama3, linear, dynamic NTK, yarn) and Qwen3, beyond
// the goldens of test_golden.cpp: dynamic NTK's length-dependent frequencies in cached generation
// and in chunked perplexity, StreamingLLM's rotation of kept keys at attention time with scaled
// frequencies, refusals through the CLI, and the parameter counts the models listing shows for
// the real configs of Llama-3.2-1B and Qwen3-0.6B.
#include "cli_run.h"
#include "golden.h"
#include "intervene/intervention.h"
#include "io/weight_spec.h"
#include "model/model.h"
#include "session/capture.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Model> load(const std::string& name) {
    auto m = Model::load(dataPath("models/" + name));
    EXPECT_TRUE(m.ok()) << name << ": " << (m.ok() ? "" : m.error().message);
    return m.ok() ? std::move(m.value()) : nullptr;
}

std::vector<double> softmax(const float* logits, std::int64_t n) {
    const double top = *std::max_element(logits, logits + n);
    std::vector<double> p(static_cast<std::size_t>(n));
    double z = 0;
    for (std::int64_t i = 0; i < n; ++i)
        z += p[static_cast<std::size_t>(i)] = std::exp(logits[i] - top);
    for (double& v : p)
        v /= z;
    return p;
}

// Layer 0's attention row of the last query seen, per head.
class LastLayerZeroRow : public ForwardObserver {
public:
    explicit LastLayerZeroRow(int heads) : rows(static_cast<std::size_t>(heads)) {}
    bool wantsAttention(int layer, int) override { return layer == 0; }
    void onAttention(int, int head, const MatrixView& w) override {
        const float* r = w.row(w.rows - 1);
        rows[static_cast<std::size_t>(head)].assign(r, r + w.cols);
    }
    std::vector<std::vector<float>> rows;
};

} // namespace

// HF's cached generation with dynamic NTK RoPE rotates the prompt with the prompt's length and
// each new token with its own position + 1; cached keys keep their rotation. The reference's step
// logits are that; a full forward over the same ids (one longer pass) differs, which shows this
// test can tell the two apart.
TEST(DynamicNtk, CachedGenerationRotatesEachPassWithItsOwnLength) {
    auto m = load("tiny_llama_dynamic");
    ASSERT_TRUE(m);
    const auto golden = loadGolden(dataPath("golden/tiny_llama_dynamic.safetensors"));
    const auto V = static_cast<std::int64_t>(m->config().vocabSize);
    const auto steps = golden.greedyIds.size();
    ASSERT_EQ(golden.stepLogits.size(), steps * static_cast<std::size_t>(V));
    ASSERT_GT(static_cast<int>(golden.tokenIds.size()), m->config().maxPositions); // the base grows

    GenerationOptions g;
    g.maxNewTokens = static_cast<int>(steps);
    g.stopAtEos = false;
    g.recordTopK = static_cast<int>(V);
    auto out = m->generate(golden.tokenIds, g, nullptr);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_EQ(out->generated, golden.greedyIds);
    ASSERT_EQ(out->stepTopK.size(), steps);
    double worst = 0, fullDiffers = 0;
    auto prefix = golden.tokenIds;
    for (std::size_t s = 0; s < steps; ++s) {
        const auto expected = softmax(&golden.stepLogits[s * static_cast<std::size_t>(V)], V);
        for (const auto& t : out->stepTopK[s])
            worst = std::max(worst, std::abs(t.prob - expected[static_cast<std::size_t>(t.id)]));
        auto full = m->forward(prefix, nullptr, false);
        ASSERT_TRUE(full.ok());
        const auto p = softmax(full->logits.data(), V);
        for (std::int64_t i = 0; i < V; ++i)
            fullDiffers = std::max(fullDiffers, std::abs(p[static_cast<std::size_t>(i)] -
                                                         expected[static_cast<std::size_t>(i)]));
        prefix.push_back(golden.greedyIds[s]);
    }
    EXPECT_LT(worst, 1e-5);
    EXPECT_GT(fullDiffers, 1e-3);
}

// Perplexity feeds a long text in cached chunks of 256; with dynamic NTK they must still be the
// one pass over the whole text that a single forward is (frequencies for the whole length).
TEST(DynamicNtk, PerplexityChunksAreOnePassOverTheText) {
    auto m = load("tiny_llama_dynamic");
    ASSERT_TRUE(m);
    std::vector<std::int32_t> ids{1};
    for (int i = 1; i < 300; ++i)
        ids.push_back((i * 37 + 11) % 64);
    auto ppl = m->perplexity(ids);
    ASSERT_TRUE(ppl.ok()) << ppl.error().message;
    auto fwd = m->forward(ids, nullptr, /*allLogits=*/true);
    ASSERT_TRUE(fwd.ok()) << fwd.error().message;
    double nll = 0;
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
        const auto p = softmax(&fwd->logits[i * static_cast<std::size_t>(fwd->vocab)], fwd->vocab);
        nll -= std::log(p[static_cast<std::size_t>(ids[i + 1])]);
    }
    EXPECT_NEAR(ppl->meanNll, nll / static_cast<double>(ids.size() - 1), 1e-5);
}

// StreamingLLM with position shift keeps keys unrotated and rotates them at attention time with
// their slot positions. Layer 0's keys depend only on their token, so the last token's layer-0
// attention after evictions is exactly that of a plain pass over the kept tokens: with the
// scaled frequencies, yarn's cos/sin factor, dynamic NTK's length (the cache, 20 slots, is longer
// than the dynamic model's 16 positions) and Qwen3's q/k norms.
TEST(RopeScaling, StreamingPositionShiftRotatesKeptKeysWithTheScaledFrequencies) {
    std::vector<std::int32_t> ids{1};
    for (int i = 1; i < 40; ++i)
        ids.push_back((i * 13 + 5) % 64);
    // Kept: the 4 sinks and the last 16 tokens; attention rows of a streamed pass are indexed by
    // position in the text (evicted positions read 0).
    std::vector<std::size_t> keptAt{0, 1, 2, 3};
    for (std::size_t p = ids.size() - 16; p < ids.size(); ++p)
        keptAt.push_back(p);
    std::vector<std::int32_t> kept;
    for (auto p : keptAt)
        kept.push_back(ids[p]);
    auto policy = parseIntervention("stream:sinks=4,window=16");
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    for (const char* name :
         {"tiny_llama3_rope", "tiny_llama_linear", "tiny_llama_dynamic", "tiny_llama_yarn", "tiny_qwen3"}) {
        auto m = load(name);
        ASSERT_TRUE(m);
        const int H = m->config().nHeads;
        LastLayerZeroRow streamed(H), plain(H);
        ASSERT_TRUE(m->forward(ids, &streamed, false, {*policy}).ok()) << name;
        ASSERT_TRUE(m->forward(kept, &plain, false).ok()) << name;
        for (int h = 0; h < H; ++h) {
            const auto& a = streamed.rows[static_cast<std::size_t>(h)];
            const auto& b = plain.rows[static_cast<std::size_t>(h)];
            ASSERT_EQ(a.size(), ids.size()) << name;
            ASSERT_EQ(b.size(), kept.size()) << name;
            double keptMass = 0;
            for (std::size_t j = 0; j < kept.size(); ++j) {
                EXPECT_NEAR(a[keptAt[j]], b[j], 1e-5) << name << " head " << h << " key " << keptAt[j];
                keptMass += a[keptAt[j]];
            }
            EXPECT_NEAR(keptMass, 1.0, 1e-5) << name << " head " << h; // nothing on evicted positions
        }
    }
}

// Unknown rope types, model types and layer types: the CLI exits non-zero with one line naming the value.
TEST(ModelFamiliesCli, RefusalsAreOneLineNamingTheValue) {
    TempDir t;
    const auto copyWithConfig = [&](const std::string& model, const std::string& dir, auto&& edit) {
        fs::create_directories(t.path(dir));
        fs::copy(dataPath("models/" + model), t.path(dir));
        auto j = nlohmann::json::parse(readBytes(t.path(dir + "/config.json")));
        edit(j);
        t.write(dir + "/config.json", j.dump(2));
    };
    copyWithConfig("tiny_llama_linear", "foo", [](nlohmann::json& j) { j["rope_scaling"]["type"] = "foo"; });
    copyWithConfig("tiny_qwen3", "mamba", [](nlohmann::json& j) { j["model_type"] = "mamba"; });
    copyWithConfig("tiny_gemma3", "chunked", [](nlohmann::json& j) {
        j["layer_types"] = {"sliding_attention", "chunked_attention", "sliding_attention", "full_attention"};
    });
    for (const auto& [dir, expected] : std::vector<std::pair<std::string, std::string>>{
             {"foo", "rope_scaling type 'foo' is not supported (llama3, linear, dynamic, yarn, longrope)"},
             {"mamba",
              "model_type 'mamba' is not supported (gpt2, llama, mistral, qwen2, qwen3, gemma, gemma2, "
              "gemma3_text, gpt_neox, phi3, olmo2, opt, llava)"},
             {"chunked", "layer_types entry \"chunked_attention\" is not supported (sliding_attention, "
                         "full_attention)"}}) {
        const auto r = runCli("run --model " + t.path(dir) + " --token-ids 1,2");
        EXPECT_EQ(r.code, 1) << r.out;
        EXPECT_NE(r.out.find(expected), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(t.path(dir) + "/config.json"), std::string::npos) << r.out;
        EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    }
}

// The models listing on the published configs of Llama-3.2-1B and Qwen3-0.6B, each beside a
// safetensors file whose header lists every tensor the config implies, in BF16, over a sparse
// data section (the listing reads headers only, never weights).
TEST(ModelFamiliesCli, ModelsListingCountsTheParametersOfRealConfigs) {
    TempDir t;
    for (const auto& [dir, file] :
         std::vector<std::pair<std::string, std::string>>{{"user/llama-3.2-1b", "Llama-3.2-1B.config.json"},
                                                          {"user/qwen3-0.6b", "Qwen3-0.6B.config.json"}}) {
        const std::string configText = readBytes(dataPath("configs/" + file));
        t.write(dir + "/config.json", configText);
        auto config = parseHfConfig(configText, file);
        ASSERT_TRUE(config.ok()) << config.error().message;
        nlohmann::json header = nlohmann::json::object();
        std::int64_t offset = 0;
        for (const auto& spec : expectedTensors(*config)) {
            std::int64_t n = 2;
            for (auto d : spec.shape)
                n *= d;
            header[spec.name] = {
                {"dtype", "BF16"}, {"shape", spec.shape}, {"data_offsets", {offset, offset + n}}};
            offset += n;
        }
        std::string h = header.dump();
        h.append((8 - h.size() % 8) % 8, ' ');
        std::string bytes(8, '\0');
        for (int i = 0; i < 8; ++i)
            bytes[static_cast<std::size_t>(i)] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
        const std::string path = t.write(dir + "/model.safetensors", bytes + h);
        fs::resize_file(path, 8 + h.size() + static_cast<std::uintmax_t>(offset));
    }
    const auto r = runCli("models --dir " + t.path("user") + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    std::map<std::string, nlohmann::json> byName;
    const auto listing = jsonOf(r);
    for (const auto& m : listing["models"])
        if (m["source"] == "user") byName[m["name"].get<std::string>()] = m;
    ASSERT_EQ(byName.size(), 2u) << r.out;
    EXPECT_EQ(byName["llama-3.2-1b"]["supported"], true) << byName["llama-3.2-1b"].dump();
    EXPECT_EQ(byName["llama-3.2-1b"]["architecture"], "llama");
    EXPECT_EQ(byName["llama-3.2-1b"]["parameters"], 1235814400); // 1.24 B
    EXPECT_EQ(byName["qwen3-0.6b"]["supported"], true) << byName["qwen3-0.6b"].dump();
    EXPECT_EQ(byName["qwen3-0.6b"]["architecture"], "qwen3");
    EXPECT_EQ(byName["qwen3-0.6b"]["parameters"], 596049920); // 0.60 B

    const auto table = runCli("models --dir " + t.path("user"));
    ASSERT_EQ(table.code, 0) << table.out;
    EXPECT_NE(table.out.find("1.2B"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("596M"), std::string::npos) << table.out;
}

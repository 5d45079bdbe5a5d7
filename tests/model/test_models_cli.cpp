// `sinkscope-cli models` as a user runs it: the table, the JSON keys, the HF cache found through
// HF_HUB_CACHE, and models it cannot open listed with the reason.
#include "cli_run.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <regex>
#include <sstream>

using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

// A hub cache holding one supported model, and a user directory with stories260K and a model
// of an architecture SinkScope does not run.
struct Fixture {
    TempDir t;
    Fixture() {
        const fs::path snap = t.path("hub/models--tiny-org--tiny-llama/snapshots/abc1");
        fs::create_directories(snap);
        fs::copy(dataPath("models/tiny_llama"), snap);
        t.write("hub/models--tiny-org--tiny-llama/refs/main", "abc1");
        fs::create_directories(t.path("user"));
        fs::create_symlink(sharedModelPath("stories260K"), t.path("user/stories260K"));
        t.write("user/bert/config.json", R"({"model_type": "bert"})");
        t.write("user/bert/model.safetensors", readBytes(dataPath("models/tiny_llama/model.safetensors")));
        setenv("HF_HUB_CACHE", t.path("hub").c_str(), 1);
    }
    ~Fixture() { unsetenv("HF_HUB_CACHE"); }
};

TEST(ModelsCli, JsonListsEveryModelWithSupportAndReason) {
    Fixture f;
    const auto r = runCli("models --dir " + f.t.path("user") + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    EXPECT_EQ(j["searched"]["hf_cache"], f.t.path("hub"));
    // The bundled models come first (the trained default model once it is in assets/models).
    nlohmann::json bundled = nlohmann::json::array(), others = nlohmann::json::array();
    for (const auto& m : j["models"])
        (m["source"] == "bundled" ? bundled : others).push_back(m);
    if (fs::exists(std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default/config.json")) {
        ASSERT_FALSE(bundled.empty()) << j.dump(1);
        EXPECT_EQ(bundled[0]["name"], "default");
        EXPECT_EQ(bundled[0]["supported"], true);
        EXPECT_EQ(j["models"][0]["source"], "bundled");
    }
    ASSERT_EQ(others.size(), 3u) << j.dump(1);
    const auto& hf = others[0]; // the cache comes before user directories
    EXPECT_EQ(hf["name"], "tiny-org/tiny-llama");
    EXPECT_EQ(hf["source"], "hf-cache");
    EXPECT_EQ(hf["format"], "safetensors");
    EXPECT_EQ(hf["architecture"], "llama");
    EXPECT_EQ(hf["revision"], "abc1");
    EXPECT_EQ(hf["supported"], true);
    EXPECT_TRUE(hf["reason"].is_null());
    EXPECT_GT(hf["parameters"].get<std::int64_t>(), 0);

    const auto& bert = others[1];
    EXPECT_EQ(bert["name"], "bert");
    EXPECT_EQ(bert["source"], "user");
    EXPECT_EQ(bert["architecture"], "bert");
    EXPECT_EQ(bert["supported"], false);
    EXPECT_TRUE(bert["parameters"].is_null());
    EXPECT_NE(bert["reason"].get<std::string>().find("model_type 'bert' is not supported"),
              std::string::npos);

    const auto& stories = others[2];
    EXPECT_EQ(stories["name"], "stories260K");
    EXPECT_EQ(stories["format"], "llama2c");
    EXPECT_EQ(stories["parameters"], 260032);
    EXPECT_EQ(stories["weight_bytes"], fs::file_size(sharedModelPath("stories260K/stories260K.bin")));
    EXPECT_EQ(stories["supported"], true);
}

TEST(ModelsCli, TableShowsWhyAModelCannotBeOpened) {
    Fixture f;
    const auto r = runCli("models --dir " + f.t.path("user") + " --dir " + f.t.path("missing"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("note: " + f.t.path("missing") + ": no such directory"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("stories260K"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("260K"), std::string::npos) << r.out;
    EXPECT_NE(
        r.out.find("why not: " + f.t.path("user/bert/config.json") + ": model_type 'bert' is not supported"),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("searched: bundled "), std::string::npos) << r.out;
}

// Hostile config.json, safetensors headers and shard indexes are listed with a short reason: the
// listing (and the GUI's model picker, which makes the same call) never aborts on them.
TEST(ModelsCli, HostileJsonFilesAreListedNotFatal) {
    TempDir t;
    const std::string tinyConfig = readBytes(dataPath("models/tiny_llama/config.json"));
    const std::string tinyWeights = readBytes(dataPath("models/tiny_llama/model.safetensors"));
    const auto withField = [&](const std::string& field) {
        return tinyConfig.substr(0, tinyConfig.rfind('}')) + ", " + field + "}";
    };
    t.write("user/range/config.json", withField(R"("unused": 1e999)"));
    t.write("user/range/model.safetensors", tinyWeights);
    t.write("user/typed/config.json", withField(R"("hidden_act": 7)"));
    t.write("user/typed/model.safetensors", tinyWeights);
    t.write("user/deep/config.json",
            withField("\"unused\": " + std::string(100000, '[') + std::string(100000, ']')));
    t.write("user/deep/model.safetensors", tinyWeights);
    std::string header = R"({"w": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 0]}})";
    std::string headerLength(8, '\0');
    headerLength[0] = static_cast<char>(header.size());
    t.write("user/header/config.json", tinyConfig);
    t.write("user/header/model.safetensors", headerLength + header);
    t.write("user/index/config.json", tinyConfig);
    t.write("user/index/model.safetensors.index.json", R"({"weight_map": {"w": 1e999}})");

    const auto r = runCli("models --dir " + t.path("user") + " --json");
    ASSERT_EQ(r.code, 0) << r.out.substr(0, 2000);
    const auto listing = jsonOf(r);
    std::map<std::string, std::string> reasons;
    for (const auto& m : listing["models"])
        if (m["source"] == "user") reasons[m["name"].get<std::string>()] = m["reason"].get<std::string>();
    ASSERT_EQ(reasons.size(), 5u) << r.out.substr(0, 2000);
    EXPECT_NE(reasons["range"].find("config.json: not valid JSON: number overflow parsing '1e999'"),
              std::string::npos)
        << reasons["range"];
    EXPECT_NE(reasons["typed"].find("config.json: field 'hidden_act' must be a string, got number"),
              std::string::npos)
        << reasons["typed"];
    EXPECT_NE(reasons["deep"].find("config.json: JSON nests deeper than 512 levels"), std::string::npos)
        << reasons["deep"];
    EXPECT_NE(reasons["header"].find("model.safetensors: header: not valid JSON"), std::string::npos)
        << reasons["header"];
    EXPECT_NE(reasons["index"].find("model.safetensors.index.json: not valid JSON"), std::string::npos)
        << reasons["index"];
    for (const auto& [name, reason] : reasons)
        EXPECT_LT(reason.size(), 1000u) << name;
}

// The committed tiny checkpoints of every family, listed with what sets each apart: the JSON has
// every feature, the table as many whole ones as fit its column, the rest counted.
TEST(ModelsCli, FamilyCheckpointsListTheirFeatures) {
    TempDir t;
    fs::create_directories(t.path("hub"));
    setenv("HF_HUB_CACHE", t.path("hub").c_str(), 1); // never the user's cache
    const std::string dir = dataPath("models");
    const auto r = runCli("models --dir " + dir + " --json");
    const auto table = runCli("models --dir " + dir);
    unsetenv("HF_HUB_CACHE");
    ASSERT_EQ(r.code, 0) << r.out;
    ASSERT_EQ(table.code, 0) << table.out;
    std::map<std::string, nlohmann::json> byName;
    const auto listing = jsonOf(r);
    for (const auto& m : listing["models"])
        if (m["source"] == "user") byName[m["name"].get<std::string>()] = m;
    const auto features = [&](const std::string& name) {
        EXPECT_EQ(byName[name]["supported"], true) << name << ": " << byName[name].dump();
        return byName[name]["features"].get<std::vector<std::string>>();
    };
    const auto has = [](const std::vector<std::string>& f, const std::string& x) {
        return std::find(f.begin(), f.end(), x) != f.end();
    };
    EXPECT_EQ(features("tiny_gemma2"),
              (std::vector<std::string>{"window 4 (layers 0, 2)", "soft-cap 5/4", "GQA 4:2"}));
    EXPECT_EQ(byName["tiny_gemma2"]["family"], "gemma");
    EXPECT_TRUE(has(features("tiny_phi3_longrope"), "rope longrope x4"));
    EXPECT_TRUE(has(features("tiny_phi3_longrope"), "rotary 12/16"));
    EXPECT_EQ(features("tiny_pythia"), (std::vector<std::string>{"rotary 4/16", "parallel residual"}));
    EXPECT_EQ(byName["tiny_pythia"]["family"], "gpt_neox");
    EXPECT_TRUE(has(features("tiny_gemma3"), "q/k norm"));
    EXPECT_TRUE(has(features("tiny_llama3_rope"), "rope llama3 x8"));
    EXPECT_TRUE(has(features("tiny_mistral_window"), "window 5"));
    EXPECT_TRUE(has(features("tiny_qwen3_window"), "window 6 (layer 2)"));
    EXPECT_TRUE(has(features("tiny_opt_postln"), "post-LN"));
    EXPECT_TRUE(features("tiny_gpt2").empty());
    EXPECT_EQ(features("tiny_llama_q4_0").front(), "Q4_0");
    EXPECT_EQ(byName["tiny_llama_q4_0"]["quantization"], "Q4_0");
    EXPECT_EQ(byName["tiny_llama_q8_0"]["quantization"], "Q8_0");
    EXPECT_TRUE(byName["tiny_gemma2"]["quantization"].is_null());
    // LLaVA checkpoints list as llava, the picture's tokens first, the image half in the count.
    EXPECT_EQ(byName["tiny_llava"]["architecture"], "llava");
    EXPECT_EQ(features("tiny_llava").front(), "image 16 tokens (CLIP)");
    EXPECT_EQ(features("tiny_llava_siglip_qwen2").front(), "image 16 tokens (SigLIP)");
    EXPECT_EQ(features("tiny_llava_layers").front(), "image 17 tokens (CLIP)");

    // The table: a FEATURES column before PATH, whole items, the rest counted.
    std::map<std::string, std::string> rows;
    std::istringstream lines(table.out);
    std::string header;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("NAME", 0) == 0) header = line;
        rows[line.substr(0, line.find(' '))] = line;
    }
    ASSERT_NE(header.find("FEATURES"), std::string::npos) << table.out;
    const std::size_t pathColumn = header.find("PATH");
    ASSERT_GT(pathColumn, header.find("FEATURES"));
    EXPECT_NE(rows["tiny_gemma2"].find("window 4 (layers 0, 2), soft-cap 5/4, GQA 4:2"), std::string::npos)
        << table.out;
    EXPECT_NE(rows["tiny_pythia"].find("rotary 4/16, parallel residual"), std::string::npos) << table.out;
    EXPECT_NE(rows["tiny_phi3_longrope"].find("rope longrope x4"), std::string::npos) << table.out;
    EXPECT_NE(rows["tiny_llama_q4_0"].find("Q4_0, GQA 4:2"), std::string::npos) << table.out;
    // Gemma 3's four features do not fit: the first two whole, then the count of the others.
    EXPECT_NE(rows["tiny_gemma3"].find("window 5 (layers 0-1, 3), rope linear x4, +2 more"),
              std::string::npos)
        << table.out;
    for (const auto& [name, row] : rows) {
        if (name.rfind("tiny_", 0) != 0) continue;
        EXPECT_EQ(row.find(dir + "/"), pathColumn) << "PATH column misaligned:\n" << table.out;
    }
}

TEST(ModelsCli, VersionPrintsNameAndVersion) {
    const auto r = runCli("--version");
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(std::regex_match(r.out, std::regex("sinkscope-cli [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.out;
}

} // namespace

// `sinkscope-cli models` as a user runs it: the table, the JSON keys, the HF cache found through
// HF_HUB_CACHE, and models it cannot open listed with the reason.
#include "cli_run.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <regex>

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

TEST(ModelsCli, VersionPrintsNameAndVersion) {
    const auto r = runCli("--version");
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(std::regex_match(r.out, std::regex("sinkscope-cli [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.out;
}

} // namespace

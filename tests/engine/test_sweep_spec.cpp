// The sweep spec (engine/sweep/sweep_spec.h): the pure parse names the key and value it refuses;
// readSweepSpec checks the files and expands a directory of training checkpoints into one model
// per checkpoint, in step order.
#include "sweep/sweep_spec.h"
#include "temp_dir.h"

#include <filesystem>
#include <gtest/gtest.h>

namespace sinkscope {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

TEST(SweepSpec, ParsesEveryKeyAndResolvesPathsBesideTheSpec) {
    auto s = parseSweepSpec(R"({"models": ["m", "/abs/n"], "prompts_file": "p.txt",
        "interventions": ["none", "suppress:layers=1-2"], "store": "maps", "shards_dir": "sh",
        "max_new_tokens": 4})",
                            "/sweeps/a/spec.json");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->models, (std::vector<std::string>{"/sweeps/a/m", "/abs/n"}));
    EXPECT_EQ(s->promptsFile, "/sweeps/a/p.txt");
    EXPECT_EQ(s->shardsDir, "/sweeps/a/sh");
    EXPECT_TRUE(s->storeMaps);
    EXPECT_EQ(s->maxNewTokens, 4);
    const auto tasks = sweepTasks(*s);
    ASSERT_EQ(tasks.size(), 4u);
    EXPECT_EQ(tasks[3].model, "/abs/n");
    EXPECT_EQ(tasks[3].intervention, "suppress:layers=1-2");
    EXPECT_EQ(tasks[3].index, 3);
}

TEST(SweepSpec, ABadValueIsOneLineNamingTheKeyAndValue) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"models": [], "prompts_file": "p"})", "\"models\": []"},
        {R"({"models": ["m"]})", "\"prompts_file\" is missing"},
        {R"({"models": ["m"], "prompts_file": "p", "interventions": ["supress"]})", "\"supress\""},
        {R"({"models": ["m"], "prompts_file": "p", "store": "all"})", "\"store\": \"all\""},
        {R"({"models": ["m"], "prompts_file": "p", "max_new_tokens": -1})", "\"max_new_tokens\": -1"},
        {R"({"models": ["m"], "prompts_file": "p", "modles": 1})", "unknown key \"modles\""},
        {R"([1, 2])", "expected a JSON object"},
        {R"({"models": )", "not valid JSON"},
        {R"({"models": ["m"], "prompts_file": "p", "max_new_tokens": 22e00008546900424})", "not valid JSON"},
    };
    for (const auto& [text, expected] : cases) {
        auto s = parseSweepSpec(text, "spec.json");
        ASSERT_FALSE(s.ok()) << text;
        EXPECT_NE(s.error().message.find(expected), std::string::npos) << s.error().message;
        EXPECT_EQ(s.error().message.rfind("spec.json: ", 0), 0u) << s.error().message;
        EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << s.error().message;
    }
}

TEST(SweepSpec, ADirectoryOfCheckpointsIsOneModelPerCheckpointInStepOrder) {
    TempDir dir;
    for (const char* step : {"step10000", "step2000", "step300", "notes"})
        dir.write(std::string("pythia/") + step + "/config.json", "{}");
    dir.write("pythia/README", "revisions");
    dir.write("whole/config.json", "{}");
    dir.write("whole/step5/config.json", "{}"); // a model with its own config is one model
    dir.write("p.txt", "one\n\n two \n");
    const auto spec = dir.write("spec.json", R"({"models": ["pythia", "whole"], "prompts_file": "p.txt"})");
    auto s = readSweepSpec(spec);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->models, (std::vector<std::string>{dir.path("pythia/step300"), dir.path("pythia/step2000"),
                                                   dir.path("pythia/step10000"), dir.path("whole")}));
    EXPECT_EQ(s->prompts, 2);
}

TEST(SweepSpec, MissingFilesAreNamed) {
    TempDir dir;
    dir.write("m/config.json", "{}");
    dir.write("empty.txt", "\n \n");
    auto missingModel =
        readSweepSpec(dir.write("a.json", R"({"models": ["nowhere"], "prompts_file": "empty.txt"})"));
    ASSERT_FALSE(missingModel.ok());
    EXPECT_NE(missingModel.error().message.find("nowhere\" does not exist"), std::string::npos)
        << missingModel.error().message;
    auto noPrompts = readSweepSpec(dir.write("b.json", R"({"models": ["m"], "prompts_file": "empty.txt"})"));
    ASSERT_FALSE(noPrompts.ok());
    EXPECT_NE(noPrompts.error().message.find("holds no prompts"), std::string::npos)
        << noPrompts.error().message;
    auto noFile = readSweepSpec(dir.path("c.json"));
    ASSERT_FALSE(noFile.ok());
    EXPECT_NE(noFile.error().message.find("c.json"), std::string::npos) << noFile.error().message;
}

} // namespace
} // namespace sinkscope

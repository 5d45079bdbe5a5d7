// Model files and prompt files that once hung the CLI, exhausted memory or printed "nan": each is
// now one line naming the file, the field or tensor and the value, exit 1, at once.
#include "cli_run.h"
#include "model/model.h"
#include "model_fixture.h"
#include "temp_dir.h"
#include "test_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <gtest/gtest.h>

using namespace sinkscope;
using namespace sinkscope::test;
namespace fs = std::filesystem;

namespace {

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");

// The CLI's one error line ("sinkscope-cli: ..."), or the whole output when there is not exactly one.
std::string errorLine(const CliRun& r) {
    const auto first = r.out.find("sinkscope-cli: ");
    if (first == std::string::npos || r.out.find("sinkscope-cli: ", first + 1) != std::string::npos)
        return r.out;
    const auto end = r.out.find('\n', first);
    return r.out.substr(first, end == std::string::npos ? std::string::npos : end - first);
}

TEST(BadInputsCli, NonFiniteWeightIsNamedAtLoad) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    pokeHalfWeight(dir + "/model.safetensors", "model.layers.1.mlp.up_proj.weight", 1234, 0x7fc0); // NaN
    const std::string expected =
        dir + "/model.safetensors: tensor 'model.layers.1.mlp.up_proj.weight' holds NaN at element 1234";
    auto m = Model::load(dir);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message, expected);
    const auto r = runCli("run --model " + dir + " --token-ids 1,2,3");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_EQ(errorLine(r), "sinkscope-cli: " + expected);
}

TEST(BadInputsCli, ConfigValuesThatMakeNaNFailTheRunAndShowInTheListing) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    editConfig(dir, "rms_norm_eps", "-1");
    const std::string expected =
        dir + "/config.json: field 'rms_norm_eps' must be a positive finite number, got -1";
    auto r = runCli("run --model " + dir + " --token-ids 1,2,3");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_EQ(errorLine(r), "sinkscope-cli: " + expected);
    fs::copy(dataPath("models/tiny_llama"), d.path("rope"));
    editConfig(d.path("rope"), "rope_theta", "0");
    r = runCli("models --dir " + d.path() + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    int listed = 0;
    for (const auto& m : j["models"]) {
        if (m["source"] != "user") continue;
        ++listed;
        EXPECT_FALSE(m["supported"].get<bool>()) << m.dump();
        const auto reason = m["reason"].get<std::string>();
        EXPECT_TRUE(reason == expected || reason == d.path("rope") + "/config.json: field 'rope_theta' must "
                                                                     "be a positive finite number, got 0")
            << reason;
    }
    EXPECT_EQ(listed, 2) << r.out;
}

TEST(BadInputsCli, AbsurdLayerCountIsRefusedQuickly) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    editConfig(dir, "num_hidden_layers", "1000000000");
    // A regression that built the 10^10-entry tensor list first would run out of memory or time.
    const auto r = runCliWithin(60, "run --model " + dir + " --token-ids 1");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(errorLine(r).find("the weights hold 21 tensors, the config's 1000000000 layers"),
              std::string::npos)
        << r.out;
}

TEST(BadInputsCli, PromptFilesMustBeSmallRegularFiles) {
    TempDir d;
    struct Case {
        std::string arg, error;
    };
    const auto sparse = d.write("huge.txt", "");
    ASSERT_EQ(::truncate(sparse.c_str(), 10ll << 30), 0);
    ASSERT_EQ(::mkfifo(d.path("fifo").c_str(), 0600), 0);
    const std::vector<Case> cases = {
        {"/dev/zero", "/dev/zero: is a character device, not a regular file"},
        {d.path(), d.path() + ": is a directory, not a regular file"},
        {d.path("fifo"), d.path("fifo") + ": is a FIFO, not a regular file"},
        {sparse, sparse + ": is 10.0 GiB, more than the 16.0 MiB limit for a prompt file"},
        {d.path("none.txt"), d.path("none.txt") + ": cannot open: No such file or directory"},
    };
    for (const auto& c : cases) {
        const auto r = runCliWithin(60, "run --model " + kStories + " -p @" + c.arg);
        EXPECT_EQ(r.code, 1) << c.arg << ": " << r.out;
        EXPECT_EQ(errorLine(r), "sinkscope-cli: --prompt: " + c.error);
    }
    const auto r = runCliWithin(60, "metrics --model " + kStories + " --prompts-file " + d.path("fifo"));
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_EQ(errorLine(r),
              "sinkscope-cli: --prompts-file: " + d.path("fifo") + ": is a FIFO, not a regular file");
}

TEST(BadInputsCli, FifoModelFilesAreRefusedNotWaitedOn) {
    TempDir d;
    const auto dir = copyTestModel(d, "tiny_llama");
    fs::remove(dir + "/model.safetensors");
    ASSERT_EQ(::mkfifo((dir + "/model.safetensors").c_str(), 0600), 0);
    auto r = runCliWithin(60, "run --model " + dir + " --token-ids 1");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_EQ(errorLine(r), "sinkscope-cli: " + dir + "/model.safetensors: is a FIFO, not a regular file");
    ASSERT_EQ(::mkfifo(d.path("x.gguf").c_str(), 0600), 0);
    r = runCliWithin(60, "models --dir " + d.path() + " --dir " + d.path("x.gguf") + " --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = jsonOf(r);
    bool listed = false;
    for (const auto& m : j["models"])
        if (m["path"] == dir) {
            listed = true;
            EXPECT_FALSE(m["supported"].get<bool>());
            EXPECT_EQ(m["reason"], dir + "/model.safetensors: is a FIFO, not a regular file");
        }
    EXPECT_TRUE(listed) << r.out;
    EXPECT_EQ(j["notes"],
              nlohmann::json::array({d.path("x.gguf") + ": is a FIFO, not a directory or a model file"}));
}

} // namespace

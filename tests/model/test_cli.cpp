// sinkscope-cli as a user runs it: JSON output keys, human tables, and one-line errors.
#include "test_paths.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

using namespace sinkscope::test;

namespace {

struct Run {
    int code;
    std::string out;
};

Run runCli(const std::string& args) {
    const std::string cmd = std::string(SINKSCOPE_CLI_PATH) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kStories = sharedModelPath("stories260K/stories260K.bin");

TEST(Cli, RunJsonHasTheDocumentedKeys) {
    const auto r =
        runCli("run --model " + kStories + " --token-ids 1,461,392,284,265 --max-new-tokens 4 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto start = r.out.find('{');
    ASSERT_NE(start, std::string::npos) << r.out;
    const auto j = nlohmann::json::parse(r.out.substr(start));
    EXPECT_EQ(j["token_ids"], (std::vector<int>{1, 461, 392, 284, 265}));
    EXPECT_EQ(j["tokens"].size(), 5u);
    ASSERT_EQ(j["next_token_topk"].size(), 10u);
    double last = 2.0;
    for (const auto& t : j["next_token_topk"]) {
        EXPECT_LE(t["prob"].get<double>(), last);
        last = t["prob"].get<double>();
    }
    EXPECT_EQ(j["generated_ids"].size(), 4u);
    EXPECT_TRUE(j.contains("generated_text"));
    ASSERT_EQ(j["alpha0"].size(), 5u);    // layers
    ASSERT_EQ(j["alpha0"][0].size(), 8u); // heads
    for (const auto& layer : j["alpha0"])
        for (const auto& a : layer)
            EXPECT_TRUE(a.get<double>() > 0.0 && a.get<double>() <= 1.0);
}

TEST(Cli, RunHumanOutputShowsTablesAndTopTokens) {
    const auto r = runCli("run --model " + kStories + " --token-ids 1,461,392");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("next-token top-10"), std::string::npos);
    EXPECT_NE(r.out.find("alpha_0"), std::string::npos);
    EXPECT_NE(r.out.find("L4"), std::string::npos);
}

TEST(Cli, ErrorsAreOneLineAndNonZero) {
    for (const std::string& args : std::vector<std::string>{"run --model /nonexistent --token-ids 1",
                                                            "run --model " + kStories + " --token-ids 1,x",
                                                            "run --model " + kStories + " --token-ids 1,9999",
                                                            "run --model " + kStories + " --prompt hello"}) {
        const auto r = runCli(args);
        EXPECT_NE(r.code, 0) << args;
        EXPECT_NE(r.out.find("sinkscope-cli: "), std::string::npos) << args << " -> " << r.out;
        // exactly one error line; informational "note:" lines may precede it
        std::size_t errors = 0, pos = 0;
        while ((pos = r.out.find("sinkscope-cli: ", pos)) != std::string::npos)
            ++errors, ++pos;
        EXPECT_EQ(errors, 1u) << r.out;
    }
}

} // namespace

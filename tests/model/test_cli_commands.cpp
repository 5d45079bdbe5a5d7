// sinkscope-cli's table of subcommands (app/cli/command_table.h): --help lists every command once,
// in the table's order, and each row's command answers its own --help.
#include "cli_run.h"

#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

using namespace sinkscope::test;

namespace {

const std::vector<std::string> kCommands = {
    "run",    "compare",  "metrics",      "stream-ppl",      "trace",    "runs",
    "export", "merge",    "sweep",        "sweep-report",    "models",   "random-model",
    "train",  "timeline", "export-model", "train-tokenizer", "train-vlm"};

// The first word of each line of the help's subcommand section.
std::vector<std::string> listedCommands(const std::string& help) {
    std::vector<std::string> names;
    std::istringstream in(help);
    bool inSection = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("SUBCOMMANDS:", 0) == 0 || line.rfind("Subcommands:", 0) == 0) {
            inSection = true;
            continue;
        }
        if (!inSection) continue;
        if (line.empty() || line[0] != ' ') break;
        std::istringstream words(line);
        std::string name;
        if (words >> name) names.push_back(name);
    }
    return names;
}

} // namespace

TEST(CliCommands, HelpListsEveryCommandOnceInTableOrder) {
    const CliRun r = runCli("--help");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(listedCommands(r.out), kCommands) << r.out;
}

TEST(CliCommands, EachCommandAnswersItsOwnHelp) {
    for (const std::string& name : kCommands) {
        const CliRun r = runCli(name + " --help");
        EXPECT_EQ(r.code, 0) << name << ": " << r.out;
        EXPECT_NE(r.out.find("sinkscope-cli " + name), std::string::npos) << name << ": " << r.out;
    }
}

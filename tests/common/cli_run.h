#pragma once
// Runs sinkscope-cli as a user would (stdout and stderr together) for the CLI tests.
#include <array>
#include <cstdio>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace sinkscope::test {

struct CliRun {
    int code;
    std::string out;
};

// prefix: a command that runs the CLI for the test (e.g. as another user); empty: none.
inline CliRun runCli(const std::string& args, const std::string& prefix = "") {
    const std::string cmd = prefix + std::string(SINKSCOPE_CLI_PATH) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// For inputs that once made the CLI hang (a FIFO): killed after `seconds`, and then code is 124.
inline CliRun runCliWithin(int seconds, const std::string& args) {
    return runCli(args, "timeout -k 5 " + std::to_string(seconds) + " ");
}

// "1,a,b,..." of n token ids for --token-ids: BOS then ids spread over 2..501 (inside every test
// model's vocabulary), long enough prompts for the memory and limit tests.
inline std::string tokenIdList(int n) {
    std::string s = "1";
    for (int i = 1; i < n; ++i)
        s += "," + std::to_string(2 + (i * 37) % 500);
    return s;
}

// The JSON object or array a --json run printed (notes before it on stderr are skipped).
inline nlohmann::json jsonOf(const CliRun& r) {
    const auto start = r.out.find_first_of("{[");
    EXPECT_NE(start, std::string::npos) << r.out;
    return nlohmann::json::parse(r.out.substr(start == std::string::npos ? 0 : start));
}

} // namespace sinkscope::test

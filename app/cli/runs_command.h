#pragma once
// `sinkscope-cli runs`: the runs in a trace file (filterable), and their deletion / vacuum.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct RunsOptions {
    std::string db;
    std::string model, prompt, intervention;
    std::vector<std::int64_t> remove;
    bool vacuum = false;
    bool json = false;
};

CLI::App* addRunsCommand(CLI::App& app, RunsOptions& options);
int runRunsCommand(const RunsOptions& options);

} // namespace sinkscope::cli

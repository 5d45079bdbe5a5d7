#pragma once
// `sinkscope-cli merge`: merges trace files (the shards of a sweep) into one, runs that are
// already there once (engine/trace/trace_merge.h).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct MergeOptions {
    std::string out;
    std::vector<std::string> shards;
    bool json = false;
};

CLI::App* addMergeCommand(CLI::App& app, MergeOptions& options);
int runMergeCommand(const MergeOptions& options);

} // namespace sinkscope::cli

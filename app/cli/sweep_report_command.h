#pragma once
// `sinkscope-cli sweep-report TRACE`: the results table of a sweep (engine/sweep/sweep_report.h)
// printed aligned, as JSON, as CSV and as figures: one row per model, checkpoint and intervention
// with the number of prompts, the mean Sink_1^eps and alpha_0 mean ± std.
#include <CLI/CLI.hpp>
#include <string>

namespace sinkscope::cli {

struct SweepReportOptions {
    std::string trace;
    std::string by = "model,intervention,checkpoint";
    std::string csv; // write the rows as CSV here
    std::string out; // figures (.png, .svg, .pdf)
    bool json = false;
};

CLI::App* addSweepReportCommand(CLI::App& app, SweepReportOptions& options);
int runSweepReportCommand(const SweepReportOptions& options);

} // namespace sinkscope::cli

#pragma once
// `sinkscope-cli timeline`: prints or draws the sink timeline of a training run, from its run
// directory (timeline.json) or from a trace file, and stores a run's timeline in a trace file.
// --curves draws its Sink^0.3 over training tokens, beside other runs' (--versus): the twin of
// the Training timeline panel's "Compare with".
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct TimelineOptions {
    std::string run;   // a run directory (or a model directory exported from one)
    std::string trace; // with run: store its timeline here; alone: read timelines from here
    std::string name;  // the timeline's name in the trace (default: the run directory's name)
    bool json = false;
    std::int64_t step = -1;          // with out: the checkpoint to draw (-1: the latest)
    std::string out;                 // a figure of that checkpoint's alpha_0 map (.png, .svg, .pdf)
    std::string curves;              // a figure of Sink^0.3 over training tokens (.png, .svg, .pdf)
    std::vector<std::string> versus; // with curves: other timelines beside it (DIR or TRACE:NAME)
};

CLI::App* addTimelineCommand(CLI::App& app, TimelineOptions& options);
int runTimelineCommand(const TimelineOptions& options);

// The name a run directory's timeline goes by in a trace file: its last path component
// ("runs/default/" -> "default").
std::string timelineNameOf(const std::string& runDir);

} // namespace sinkscope::cli

#pragma once
// `sinkscope-cli export`: one stored attention map (or a layer x head grid, the difference of two
// runs on the same tokens, or two runs' maps side by side on one colour scale) as data (.npy,
// .csv) or as a figure (.png, .svg, .pdf).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct ExportOptions {
    std::string db;
    std::int64_t run = 0;
    std::int64_t diff = 0;   // 0: none
    std::int64_t beside = 0; // 0: none; else this run's map drawn right of --run's, one colour scale
    int step = 0, layer = 0, head = 0;
    bool grid = false;
    bool scores = false;
    std::string out;
    std::string colormap; // empty: viridis, diverging for diffs
    std::string scale = "linear";
    std::string range; // "LO,HI": a fixed colour range (e.g. 0,1 so that maps compare); empty: the data's
    int dpi = 150;
};

CLI::App* addExportCommand(CLI::App& app, ExportOptions& options);
int runExportCommand(const ExportOptions& options);

} // namespace sinkscope::cli

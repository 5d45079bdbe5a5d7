#pragma once
// The figures of `sweep-report --out`: the sink rate of every (model[, checkpoint], intervention)
// as a heatmap table, and, when a model was swept at two or more checkpoints, its sink rate over
// training steps as curves. Built from the report alone, so the figures show the table's numbers.
#include "figures/curve_figure.h"
#include "figures/figures.h"
#include "sweep/sweep_report.h"

#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

// Rows: model (with its checkpoint), columns: interventions; the sink rate in percent on a fixed
// 0..100 colour range so that figures of different sweeps compare. Missing pairs are blank.
HeatmapFigure sweepRateTable(const SweepReport& report);

// One line per (model, intervention) over checkpoint steps; none when no model has two
// checkpoints. The x axis is log10 when the steps span more than two decades; then a step 0 is
// drawn at step + 1 (every point shifted alike, the axis label says so).
std::optional<CurveFigure> sweepRateCurves(const SweepReport& report);

// Writes the figures for --out: the curves to `out` and the table beside it as
// <stem>-table.<ext> when there are curves, else the table to `out`. Returns the paths written.
Result<std::vector<std::string>> writeSweepFigures(const SweepReport& report, const std::string& out);

} // namespace sinkscope

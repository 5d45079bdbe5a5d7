#include "figures/sweep_figures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>

namespace sinkscope {

namespace {

namespace fs = std::filesystem;

// The sink rate's name with the report's threshold: "Sink_1^0.3".
std::string rateName(const SweepReport& report) {
    const auto eps = commonSinkEps(report);
    return eps ? fmt::format("Sink_1^{}", *eps) : std::string("Sink_1^eps");
}

// Model paths shortened to their last component when that still tells them apart.
std::map<std::string, std::string> shortModelNames(const SweepReport& report) {
    std::map<std::string, std::string> names;
    std::set<std::string> shortNames;
    for (const ReportRow& row : report.rows) {
        const fs::path p = fs::path(row.model).lexically_normal();
        const std::string name = (p.has_filename() ? p : p.parent_path()).filename().string();
        if (names.emplace(row.model, name).second) shortNames.insert(name);
    }
    if (shortNames.size() != names.size())
        for (auto& [model, name] : names)
            name = model;
    return names;
}

std::string rowLabel(const ReportRow& row, const std::map<std::string, std::string>& names) {
    std::string label = row.model.empty() ? std::string() : names.at(row.model);
    if (!row.checkpoint.empty()) label += (label.empty() ? "" : " · ") + row.checkpoint;
    return label.empty() ? std::string("all runs") : label;
}

std::string columnLabel(const ReportRow& row) {
    return row.intervention.empty() ? std::string("all interventions") : row.intervention;
}

// Index of value in labels, appending it when new: rows and columns in the report's order.
std::size_t indexOf(std::vector<std::string>& labels, const std::string& value) {
    const auto it = std::find(labels.begin(), labels.end(), value);
    if (it != labels.end()) return static_cast<std::size_t>(it - labels.begin());
    labels.push_back(value);
    return labels.size() - 1;
}

bool spansMoreThanTwoDecades(const std::vector<double>& xs) {
    const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
    return *lo > 0 && *hi / *lo > 100.0;
}

} // namespace

HeatmapFigure sweepRateTable(const SweepReport& report) {
    const auto names = shortModelNames(report);
    HeatmapFigure f;
    std::vector<std::pair<std::size_t, std::size_t>> cells;
    for (const ReportRow& row : report.rows)
        cells.emplace_back(indexOf(f.rowLabels, rowLabel(row, names)),
                           indexOf(f.colLabels, columnLabel(row)));
    f.rows = static_cast<std::int64_t>(f.rowLabels.size());
    f.cols = static_cast<std::int64_t>(f.colLabels.size());
    f.values.assign(f.rowLabels.size() * f.colLabels.size(), NAN);
    for (std::size_t i = 0; i < cells.size(); ++i)
        f.values[cells[i].first * f.colLabels.size() + cells[i].second] =
            static_cast<float>(report.rows[i].sinkRate);
    f.title = "Sink rate by model and intervention";
    f.colorbarLabel = rateName(report) + " (%)";
    f.xLabel = "intervention";
    f.yLabel = "model";
    f.vmin = 0.0;
    f.vmax = 100.0;
    return f;
}

std::optional<CurveFigure> sweepRateCurves(const SweepReport& report) {
    std::map<std::string, std::set<std::int64_t>> steps; // per model
    for (const ReportRow& row : report.rows)
        if (row.step >= 0) steps[row.model].insert(row.step);
    if (std::none_of(steps.begin(), steps.end(), [](const auto& m) { return m.second.size() >= 2; }))
        return std::nullopt;
    const auto names = shortModelNames(report);
    CurveFigure f;
    std::vector<std::string> keys;
    std::vector<double> allSteps;
    for (const ReportRow& row : report.rows) {
        if (row.step < 0 || std::isnan(row.sinkRate)) continue;
        const std::string model = row.model.empty() ? std::string("all models") : names.at(row.model);
        const std::size_t i = indexOf(keys, row.model + "\n" + row.intervention);
        if (i == f.series.size()) f.series.push_back({model + " · " + columnLabel(row), {}, {}});
        f.series[i].xs.push_back(static_cast<double>(row.step));
        f.series[i].ys.push_back(row.sinkRate);
        allSteps.push_back(static_cast<double>(row.step));
    }
    if (f.series.empty()) return std::nullopt;
    const bool zero = std::find(allSteps.begin(), allSteps.end(), 0.0) != allSteps.end();
    for (double& x : allSteps)
        x += zero ? 1.0 : 0.0;
    f.logX = spansMoreThanTwoDecades(allSteps);
    if (f.logX && zero)
        for (CurveSeries& s : f.series)
            for (double& x : s.xs)
                x += 1.0;
    f.xLabel = f.logX && zero ? "checkpoint step + 1" : "checkpoint step";
    f.yLabel = rateName(report) + " (%)";
    f.title = "Sink rate over training";
    f.yMin = 0.0;
    f.yMax = 100.0;
    return f;
}

Result<std::vector<std::string>> writeSweepFigures(const SweepReport& report, const std::string& out) {
    if (report.rows.empty()) return Error{fmt::format("{}: the trace holds no runs to draw", out)};
    std::vector<std::string> written;
    const auto curves = sweepRateCurves(report);
    std::string tablePath = out;
    if (curves) {
        if (auto st = writeCurves(*curves, out); !st) return st.error();
        written.push_back(out);
        const fs::path p(out);
        tablePath = (p.parent_path() / (p.stem().string() + "-table" + p.extension().string())).string();
    }
    if (auto st = writeHeatmap(sweepRateTable(report), tablePath); !st) return st.error();
    written.push_back(tablePath);
    return written;
}

} // namespace sinkscope

#include "sweep_report_command.h"

#include "cli_common.h"
#include "figures/sweep_figures.h"
#include "sweep/sweep_report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

using Table = std::vector<std::vector<std::string>>;

// Display width of UTF-8 text: one column per code point (the table's α₀ and ± are one wide).
std::size_t width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string number(double v, int decimals) {
    return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("–");
}

// A key column is shown when the report groups by it; the checkpoint column only when some run
// names a checkpoint (most sweeps compare finished models).
bool grouped(const SweepReport& r, GroupKey key) {
    if (std::find(r.by.begin(), r.by.end(), key) == r.by.end()) return false;
    return key != GroupKey::Checkpoint || std::any_of(r.rows.begin(), r.rows.end(), [](const ReportRow& row) {
               return !row.checkpoint.empty();
           });
}

// The header and the cells of each row; key columns only for the keys grouped by.
Table tableOf(const SweepReport& r) {
    const auto eps = commonSinkEps(r);
    const bool epsColumn = !eps && !r.rows.empty();
    std::vector<std::string> header;
    if (grouped(r, GroupKey::Model)) header.push_back("model");
    if (grouped(r, GroupKey::Checkpoint)) header.push_back("checkpoint");
    if (grouped(r, GroupKey::Intervention)) header.push_back("intervention");
    header.push_back("prompts");
    header.push_back(eps ? fmt::format("Sink_1^{} %", *eps) : std::string("Sink_1 %"));
    if (epsColumn) header.push_back("eps");
    header.insert(header.end(), {"α₀ mean ± std", "KL"});
    Table t{header};
    for (const ReportRow& row : r.rows) {
        auto& cells = t.emplace_back();
        if (grouped(r, GroupKey::Model)) cells.push_back(row.model);
        if (grouped(r, GroupKey::Checkpoint)) cells.push_back(row.checkpoint.empty() ? "–" : row.checkpoint);
        if (grouped(r, GroupKey::Intervention)) cells.push_back(row.intervention);
        cells.push_back(row.unreadable == 0 ? std::to_string(row.prompts)
                                            : fmt::format("{} ({} unreadable)", row.prompts, row.unreadable));
        cells.push_back(number(row.sinkRate, 2));
        if (epsColumn) cells.push_back(fmt::format("{}", row.sinkEps));
        cells.push_back(std::isfinite(row.alpha0Mean)
                            ? fmt::format("{} ± {}", number(row.alpha0Mean, 3), number(row.alpha0Std, 3))
                            : std::string("–"));
        cells.push_back(row.klMean ? number(*row.klMean, 4) : std::string("–"));
    }
    return t;
}

// Text columns left-aligned, numbers (from "prompts" on) right-aligned, two spaces apart.
void printTable(const Table& t) {
    const std::size_t columns = t.front().size();
    const auto firstNumber = static_cast<std::size_t>(
        std::find(t.front().begin(), t.front().end(), "prompts") - t.front().begin());
    std::vector<std::size_t> widths(columns, 0);
    for (const auto& cells : t)
        for (std::size_t c = 0; c < columns; ++c)
            widths[c] = std::max(widths[c], width(cells[c]));
    for (const auto& cells : t) {
        std::string line;
        for (std::size_t c = 0; c < columns; ++c) {
            const std::string pad(widths[c] - width(cells[c]), ' ');
            line += (c ? "  " : "") + (c >= firstNumber ? pad + cells[c] : cells[c] + pad);
        }
        line.erase(line.find_last_not_of(' ') + 1);
        fmt::print("{}\n", line);
    }
}

// Ordered: the keys read in the table's order, as the CSV's columns.
using Json = nlohmann::ordered_json;

Json numberOrNull(double v) {
    return std::isfinite(v) ? Json(v) : Json(nullptr);
}

Json jsonOf(const SweepReport& r, const std::string& trace) {
    Json rows = Json::array();
    for (const ReportRow& row : r.rows)
        rows.push_back({{"model", row.model},
                        {"intervention", row.intervention},
                        {"checkpoint", row.checkpoint},
                        {"step", row.step >= 0 ? Json(row.step) : Json(nullptr)},
                        {"prompts", row.prompts},
                        {"unreadable", row.unreadable},
                        {"sink_rate", numberOrNull(row.sinkRate)},
                        {"sink_eps", numberOrNull(row.sinkEps)},
                        {"alpha0_mean", numberOrNull(row.alpha0Mean)},
                        {"alpha0_std", numberOrNull(row.alpha0Std)},
                        {"alpha0_min", numberOrNull(row.alpha0Min)},
                        {"alpha0_max", numberOrNull(row.alpha0Max)},
                        {"kl_mean", row.klMean ? numberOrNull(*row.klMean) : Json(nullptr)},
                        {"run_ids", row.runIds}});
    Json by = Json::array();
    for (GroupKey k : r.by)
        by.push_back(groupKeyName(k));
    return {{"trace", trace}, {"by", by}, {"rows", rows}};
}

} // namespace

CLI::App* addSweepReportCommand(CLI::App& app, SweepReportOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "sweep-report",
        "The results table of a sweep trace: Sink_1^eps and alpha_0 per model, checkpoint and "
        "intervention");
    cmd->add_option("trace", o.trace, "Trace file (a merged sweep, or any trace)")
        ->required()
        ->type_name("TRACE");
    cmd->add_option("--by", o.by,
                    "Group runs by these keys, comma-separated: model, intervention, checkpoint")
        ->capture_default_str()
        ->type_name("KEYS");
    cmd->add_option("--csv", o.csv, "Also write the rows as CSV to this file")->type_name("F");
    cmd->add_option("--out", o.out,
                    "Also draw the sink rates (.png, .svg or .pdf): a model x intervention table; when a "
                    "model has two or more checkpoints, FIG is its sink rate over training steps and the "
                    "table goes beside it as <stem>-table.<ext>")
        ->type_name("FIG");
    cmd->add_flag("--json", o.json, "Print the rows as one JSON object instead of a table");
    return cmd;
}

int runSweepReportCommand(const SweepReportOptions& o) {
    const auto by = parseGroupKeys(o.by);
    if (!by) return fail(by.error().message);
    const auto report = readSweepReport(o.trace, *by);
    if (!report) return fail(report.error().message);
    if (!o.csv.empty())
        if (auto st = writeSweepReportCsv(*report, o.csv); !st) return fail(st.error().message);
    std::vector<std::string> written = {};
    if (!o.csv.empty()) written.push_back(o.csv);
    if (!o.out.empty()) {
        auto figures = writeSweepFigures(*report, o.out);
        if (!figures) return fail(figures.error().message);
        written.insert(written.end(), figures->begin(), figures->end());
    }
    if (o.json) {
        fmt::print("{}\n",
                   jsonOf(*report, o.trace).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else if (report->rows.empty()) {
        fmt::print("{}: no runs\n", o.trace);
    } else {
        printTable(tableOf(*report));
        for (const auto& path : written)
            fmt::print("wrote {}\n", path);
    }
    if (std::fflush(stdout) != 0) return failOutput(errno);
    return 0;
}

} // namespace sinkscope::cli

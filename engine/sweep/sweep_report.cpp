#include "sweep/sweep_report.h"

#include "sweep/checkpoint_name.h"
#include "sweep/sweep_report_stats.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <tuple>

namespace sinkscope {

namespace {

constexpr std::array<GroupKey, 3> kKeys = {GroupKey::Model, GroupKey::Checkpoint, GroupKey::Intervention};

std::string joinedInterventions(const std::vector<std::string>& specs) {
    return specs.empty() ? std::string("none") : fmt::format("{}", fmt::join(specs, " + "));
}

bool has(const std::vector<GroupKey>& by, GroupKey key) {
    return std::find(by.begin(), by.end(), key) != by.end();
}

// A group's identity; the keys the report does not group by stay empty.
using GroupId = std::tuple<std::string, std::string, std::int64_t, std::string>; // model, ckpt, step, iv

GroupId groupOf(const RunSummary& run, const std::vector<GroupKey>& by) {
    const CheckpointName name = splitCheckpoint(run.modelPath);
    GroupId id{"", "", -1, ""};
    if (has(by, GroupKey::Model)) std::get<0>(id) = name.model;
    if (has(by, GroupKey::Checkpoint)) {
        std::get<1>(id) = name.checkpoint;
        std::get<2>(id) = name.step;
    }
    if (has(by, GroupKey::Intervention)) std::get<3>(id) = joinedInterventions(run.interventions);
    return id;
}

// Rows sorted by model, step, then intervention in first-seen order with "none" first.
void sortRows(std::vector<ReportRow>& rows, const std::map<std::string, std::size_t>& seen) {
    auto rank = [&seen](const std::string& iv) -> std::int64_t {
        if (iv == "none") return -1;
        const auto it = seen.find(iv);
        return it == seen.end() ? -1 : static_cast<std::int64_t>(it->second);
    };
    std::stable_sort(rows.begin(), rows.end(), [&rank](const ReportRow& a, const ReportRow& b) {
        return std::make_tuple(a.model, a.step, a.checkpoint, rank(a.intervention)) <
               std::make_tuple(b.model, b.step, b.checkpoint, rank(b.intervention));
    });
}

std::string describeGroup(const ReportRow& row) {
    std::vector<std::string> parts;
    if (!row.model.empty()) parts.push_back("model " + row.model);
    if (!row.checkpoint.empty()) parts.push_back("checkpoint " + row.checkpoint);
    if (!row.intervention.empty()) parts.push_back("intervention " + row.intervention);
    return parts.empty() ? std::string("all runs") : fmt::format("{}", fmt::join(parts, ", "));
}

} // namespace

std::vector<GroupKey> allGroupKeys() {
    return {kKeys.begin(), kKeys.end()};
}

const char* groupKeyName(GroupKey key) {
    switch (key) {
    case GroupKey::Model:
        return "model";
    case GroupKey::Intervention:
        return "intervention";
    case GroupKey::Checkpoint:
        return "checkpoint";
    }
    return "?";
}

Result<std::vector<GroupKey>> parseGroupKeys(std::string_view text) {
    std::vector<GroupKey> chosen;
    std::vector<std::string> unknown, repeated;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        const std::string name(text.substr(start, comma - start));
        const auto key =
            std::find_if(kKeys.begin(), kKeys.end(), [&name](GroupKey k) { return name == groupKeyName(k); });
        if (key == kKeys.end())
            unknown.push_back(fmt::format("\"{}\"", name));
        else if (has(chosen, *key))
            repeated.push_back(fmt::format("\"{}\"", name));
        else
            chosen.push_back(*key);
        start = comma + 1;
    }
    const auto valid = "(use model, intervention, checkpoint, separated by commas)";
    if (!unknown.empty())
        return Error{fmt::format("--by: unknown key{} {} {}", unknown.size() == 1 ? "" : "s",
                                 fmt::join(unknown, ", "), valid)};
    if (!repeated.empty()) return Error{fmt::format("--by: {} given twice", fmt::join(repeated, ", "))};
    std::vector<GroupKey> ordered; // the table's column order, whatever the order given
    for (GroupKey k : kKeys)
        if (has(chosen, k)) ordered.push_back(k);
    return ordered;
}

std::optional<double> commonSinkEps(const SweepReport& report) {
    std::optional<double> eps;
    for (const ReportRow& row : report.rows) {
        if (std::isnan(row.sinkEps)) continue;
        if (eps && *eps != row.sinkEps) return std::nullopt;
        eps = row.sinkEps;
    }
    return eps;
}

Result<SweepReport> readSweepReport(const std::string& tracePath, const std::vector<GroupKey>& by) {
    auto store = TraceStore::openReadOnly(tracePath);
    if (!store) return store.error();
    auto runs = (*store)->listRuns();
    if (!runs) return runs.error();

    std::map<GroupId, std::size_t> index; // group -> position in rows / stats
    std::map<std::string, std::size_t> seen;
    SweepReport report{by, {}};
    std::vector<GroupStats> stats;
    for (const RunSummary& run : *runs) {
        seen.emplace(joinedInterventions(run.interventions), seen.size());
        const GroupId id = groupOf(run, by);
        auto [it, added] = index.emplace(id, report.rows.size());
        if (added) {
            ReportRow& row = report.rows.emplace_back();
            std::tie(row.model, row.checkpoint, row.step, row.intervention) = id;
            stats.emplace_back();
        }
        auto record = (*store)->loadRun(run.id);
        if (!record) return record.error();
        ReportRow& row = report.rows[it->second];
        row.runIds.push_back(run.id);
        if (auto st = stats[it->second].add(*record); !st)
            return Error{fmt::format("{}: {} ({})", tracePath, st.error().message, describeGroup(row))};
    }
    for (std::size_t i = 0; i < report.rows.size(); ++i)
        stats[i].finish(report.rows[i]);
    sortRows(report.rows, seen);
    return report;
}

} // namespace sinkscope

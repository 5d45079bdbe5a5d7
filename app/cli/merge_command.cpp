#include "merge_command.h"

#include "cli_common.h"
#include "trace/trace_merge.h"

#include <cerrno>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

CLI::App* addMergeCommand(CLI::App& app, MergeOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "merge", "Merge trace files (a sweep's shards) into one; runs it holds already are not added again");
    cmd->add_option("--out", o.out, "Trace file to merge into: added to when it exists, else created")
        ->required();
    cmd->add_option("shards", o.shards, "Trace files to merge")->required();
    cmd->add_flag("--json", o.json, "Print one JSON object instead of a line");
    return cmd;
}

int runMergeCommand(const MergeOptions& o) {
    Progress progress("merging shards");
    const auto report = mergeTraces(
        o.shards, o.out,
        [&](const MergeProgress& p) {
            if (p.groupsDone == p.groups) progress.update(p.shard + 1, p.shards);
            return true;
        },
        noisyWriteWait(o.out));
    if (!report) return fail(report.error().message);
    if (o.json) {
        const nlohmann::json out = {{"out", o.out},
                                    {"shards", report->shards},
                                    {"merged_runs", report->runsMerged},
                                    {"present_runs", report->runsPresent},
                                    {"merged_timeline_points", report->timelinePointsMerged},
                                    {"present_timeline_points", report->timelinePointsPresent},
                                    {"created", report->created}};
        fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        fmt::print("merged {} run{} from {} shard{} into {} ({} already there)\n", report->runsMerged,
                   report->runsMerged == 1 ? "" : "s", report->shards, report->shards == 1 ? "" : "s", o.out,
                   report->runsPresent);
    }
    if (std::fflush(stdout) != 0) return failOutput(errno);
    return 0;
}

} // namespace sinkscope::cli

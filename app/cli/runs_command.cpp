#include "runs_command.h"

#include "cli_common.h"
#include "model_input.h"
#include "trace/trace_store.h"

#include <cerrno>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

int printRuns(const RunsOptions& o, const std::vector<RunSummary>& runs);

} // namespace

CLI::App* addRunsCommand(CLI::App& app, RunsOptions& o) {
    CLI::App* cmd = app.add_subcommand("runs", "List the runs in a trace file; delete runs; vacuum");
    cmd->add_option("--db", o.db, "Trace file")->required();
    cmd->add_option("--model", o.model, "Only runs whose model path contains this");
    cmd->add_option("--prompt", o.prompt, "Only runs whose prompt text contains this");
    cmd->add_option("--intervention", o.intervention, "Only runs with an intervention SPEC containing this");
    cmd->add_option("--delete", o.remove, "Delete these run ids")->delimiter(',');
    cmd->add_flag("--vacuum", o.vacuum, "Give the space of deleted runs back to the file system");
    cmd->add_flag("--json", o.json, "Print a JSON array instead of a table");
    return cmd;
}

int runRunsCommand(const RunsOptions& o) {
    // Listing writes nothing: it works in a read-only folder and leaves no files beside the trace.
    const bool writes = !o.remove.empty() || o.vacuum;
    auto store = writes ? TraceStore::open(o.db, /*create=*/false) : TraceStore::openReadOnly(o.db);
    if (!store) return fail(store.error().message);
    for (auto id : o.remove) {
        if (auto st = (*store)->deleteRun(id); !st) return fail(st.error().message);
        if (!o.json) fmt::print("deleted run {}\n", id);
    }
    if (o.vacuum)
        if (auto st = (*store)->vacuum(); !st) return fail(st.error().message);
    auto runs = (*store)->listRuns({o.model, o.prompt, o.intervention});
    if (!runs) return fail(runs.error().message);
    // Listing reads only the runs table; damage elsewhere (a map's pages) shows only in a check
    // of every page. Opening to write has checked already.
    const Status intact = writes ? okStatus() : (*store)->quickCheck();
    const int code = printRuns(o, *runs);
    if (std::fflush(stdout) != 0) return failOutput(errno); // the list first, then the line about it
    if (!intact)
        return fail(intact.error().message + ": the runs listed are those still readable, and nothing can "
                                             "be added to the file");
    return code;
}

namespace {

int printRuns(const RunsOptions& o, const std::vector<RunSummary>& runs) {
    if (o.json) {
        auto out = nlohmann::json::array();
        for (const auto& r : runs)
            out.push_back({{"id", r.id},
                           {"group", r.group},
                           {"created_at", r.createdAt},
                           {"label", r.label},
                           {"model", r.modelPath},
                           {"prompt", r.promptText},
                           {"interventions", r.interventions},
                           {"tokens", r.tokens},
                           {"generated", r.generated},
                           {"stored_bytes", r.storedBytes}});
        fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return 0;
    }
    if (runs.empty()) {
        fmt::print("no runs in {}\n", o.db);
        return 0;
    }
    fmt::print("{:>5} {:>5}  {:<20} {:<12} {:>6} {:>5} {:>9}  {:<24} {}\n", "id", "group", "created (UTC)",
               "label", "tokens", "gen", "KiB", "interventions", "model / prompt");
    for (const auto& r : runs) {
        std::string prompt = printable(r.promptText);
        if (prompt.size() > 40) prompt = prompt.substr(0, 37) + "...";
        fmt::print("{:>5} {:>5}  {:<20} {:<12} {:>6} {:>5} {:>9.1f}  {:<24} {} / {}\n", r.id, r.group,
                   r.createdAt, r.label, r.tokens, r.generated, r.storedBytes / 1024.0,
                   r.interventions.empty() ? std::string("-")
                                           : fmt::format("{}", fmt::join(r.interventions, " ")),
                   r.modelPath, prompt);
    }
    return 0;
}

} // namespace

} // namespace sinkscope::cli

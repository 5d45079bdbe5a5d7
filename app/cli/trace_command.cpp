#include "trace_command.h"

#include "cli_common.h"
#include "model/trace_run.h"
#include "trace/trace_store.h"

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

CLI::App* addTraceCommand(CLI::App& app, TraceOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "trace",
        "Run a prompt (base and intervened when interventions are given) and store it in a trace file");
    cmd->add_option("--db", o.db, "Trace file (SQLite; created when absent)")->required();
    addModelInputOptions(cmd, o.input, /*interventions=*/true);
    cmd->add_option("--max-new-tokens,-n", o.maxNewTokens, "Tokens to generate")
        ->check(CLI::Range(0, 100000));
    cmd->add_option("--temperature", o.temperature, "Sampling temperature; 0 is greedy")
        ->check(CLI::Range(0.0, 100.0));
    cmd->add_option("--top-k", o.topK, "Sample among the k most probable tokens (0: all)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--top-p", o.topP, "Nucleus sampling mass (1: off)")->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--seed", o.seed, "Random seed for sampling");
    cmd->add_flag("--scores", o.scores, "Also store pre-softmax scores");
    cmd->add_flag("--only-intervened", o.onlyIntervened, "With interventions: store the intervened run only");
    cmd->add_option("--label", o.label, "Label stored with the run(s)");
    cmd->add_flag("--json", o.json, "Print {\"run_ids\": [...]} instead of lines");
    return cmd;
}

int runTraceCommand(const TraceOptions& o) {
    // Everything that can be wrong with the input is checked before the trace file is created,
    // and everything that can be wrong with the file (read-only, damaged) before the model runs.
    auto run = openModelRun(o.input, o.json);
    if (!run) return fail(run.error().message);
    TraceRunOptions t;
    t.modelPath = o.input.model;
    t.generation = GenerationOptions{o.maxNewTokens, o.temperature, o.topK, o.topP, o.seed, true, 10};
    t.scores = o.scores;
    t.onlyIntervened = o.onlyIntervened;
    t.label = o.label;
    t.bos = o.input.bos;
    if (auto st = checkTraceMemory(*run->model, run->ids, run->interventions, t); !st)
        return fail(st.error().message);
    auto store = TraceStore::open(o.db, /*create=*/true);
    if (!store) return fail(store.error().message);
    // Another program may be writing the file: wait for it rather than drop the computed runs.
    TraceStore::WriteWait wait;
    wait.waiting = [&o, limit = wait.limit.count()](int seconds) {
        if (seconds == 1)
            fmt::print(stderr, "waiting for another program to finish writing {} (up to {} s)\n", o.db,
                       limit);
        return true;
    };
    (*store)->setWriteWait(wait);
    // One progress line per side, labelled as before: "generating (base)", "generating (intervened)".
    std::unique_ptr<Progress> line;
    std::string lineSide;
    auto progress = [&](const std::string& side, int done, int total) {
        if (!line || side != lineSide) {
            line.reset();
            line = std::make_unique<Progress>("generating (" + side + ")");
            lineSide = side;
        }
        line->update(done, total);
        return true;
    };
    auto group = computeTraceGroup(*run->model, run->ids, run->interventions, t, progress);
    line.reset();
    if (!group) return fail(group.error().message);
    auto runs = storeTraceGroup(*group, **store);
    if (!runs) return fail(runs.error().message + " (nothing was stored)");

    if (o.json) {
        std::vector<std::int64_t> ids;
        for (const auto& r : *runs)
            ids.push_back(r.id);
        fmt::print("{}\n", nlohmann::json{{"db", o.db}, {"run_ids", ids}}.dump());
        return 0;
    }
    for (const auto& r : *runs)
        fmt::print("stored run {} ({}) in {}\n", r.id, r.side, o.db);
    return 0;
}

} // namespace sinkscope::cli

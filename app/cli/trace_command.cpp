#include "trace_command.h"

#include "cli_common.h"
#include "core/available_memory.h"
#include "core/human_bytes.h"
#include "session/trace_run.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

int printTracePlan(const ModelRun& run, const TraceRunOptions& t, bool json) {
    const auto& c = run.model->config();
    const auto T = static_cast<std::int64_t>(run.ids.size());
    const TraceMemoryPlan p = planTraceMemory(*run.model, T, run.interventions, t);
    const auto fits = checkTraceMemory(*run.model, run.ids, run.interventions, t);
    if (json) {
        fmt::print("{}\n", nlohmann::json{{"tokens", T},
                                          {"pass_bytes", p.passBytes},
                                          {"map_bytes", p.mapBytes},
                                          {"available_bytes", p.availableBytes},
                                          {"captured", t.capture.describe(c.nLayers, c.nHeads)},
                                          {"fits", fits.ok()}}
                               .dump());
        return 0;
    }
    auto bytes = [](std::int64_t b) {
        return humanBytes(static_cast<std::uint64_t>(std::max<std::int64_t>(0, b)));
    };
    fmt::print("a {}-token trace needs about {} beyond the weights: the pass {}, the maps of {} {}\n", T,
               bytes(p.passBytes + p.mapBytes), bytes(p.passBytes), t.capture.describe(c.nLayers, c.nHeads),
               bytes(p.mapBytes));
    fmt::print("{}\n", p.availableBytes < 0 ? std::string("available memory: unknown")
                                            : fmt::format("available: {}", bytes(p.availableBytes)));
    if (!fits) fmt::print("{}\n", fits.error().message);
    return 0;
}

} // namespace

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
    cmd->add_option("--capture-layers", o.captureLayers,
                    "Store the maps of these layers only: all, L or A-B (alpha_0 metrics keep every head)");
    cmd->add_option("--capture-heads", o.captureHeads,
                    "Store the maps of these heads only: all, or e.g. 0,3,8-11");
    cmd->add_option("--label", o.label, "Label stored with the run(s)");
    cmd->add_flag("--json", o.json,
                  "Print {\"run_ids\": [...], \"peak_resident_bytes\": N} instead of lines");
    cmd->add_flag("--dry-run", o.dryRun,
                  "Print the memory the trace would need (pass and maps, beyond the weights) and what is "
                  "available; run nothing, write nothing");
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
    t.image = run->image ? &*run->image : nullptr;
    const auto& c = run->model->config();
    auto capture = parseCaptureSelection(o.captureLayers, o.captureHeads, c.nLayers, c.nHeads);
    if (!capture) return fail(capture.error().message);
    t.capture = *capture;
    if (o.dryRun) return printTracePlan(*run, t, o.json);
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
        // The peak lets a user (and the tests) hold `--dry-run`'s prediction against what it took.
        fmt::print(
            "{}\n",
            nlohmann::json{{"db", o.db}, {"run_ids", ids}, {"peak_resident_bytes", peakResidentBytes()}}
                .dump());
        return 0;
    }
    for (const auto& r : *runs)
        fmt::print("stored run {} ({}) in {}\n", r.id, r.side, o.db);
    return 0;
}

} // namespace sinkscope::cli

#include "sweep_task.h"

#include "cli_common.h"
#include "core/atomic_file.h"
#include "core/read_file.h"
#include "session/prompt_input.h"
#include "session/trace_run.h"
#include "sweep/sweep_tasks.h"
#include "trace/trace_store.h"

#include <filesystem>
#include <fmt/format.h>

namespace sinkscope::cli {

namespace fs = std::filesystem;

namespace {

void removeShard(const std::string& shard) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(shard + suffix, ec);
}

} // namespace

Status runSweepTask(const SweepSpec& spec, const SweepTask& task, const std::string& shardsDir) {
    const std::string shard = taskShardPath(shardsDir, task.index);
    removeShard(shard);
    Interventions interventions;
    if (task.intervention != "none") {
        auto parsed = parseInterventionList({task.intervention}, "intervention");
        if (!parsed) return parsed.error();
        interventions = std::move(parsed.value());
    }
    auto model = Model::load(task.model);
    if (!model) {
        // The sweep's report must say which model failed; most load errors name it already.
        const std::string& why = model.error().message;
        return why.find(task.model) == std::string::npos ? Error{fmt::format("{}: {}", task.model, why)}
                                                         : model.error();
    }
    const Model& m = **model;
    auto text = readWholeFile(spec.promptsFile, kPromptFile);
    if (!text) return text.error();
    auto prompts = encodePromptLines(m, *text, BosChoice::Auto, spec.promptsFile);
    if (!prompts) return prompts.error();
    for (const auto& ids : *prompts)
        if (auto st = m.checkInterventions(interventions, static_cast<std::int64_t>(ids.size())); !st)
            return Error{fmt::format("{}: {}", task.intervention, st.error().message)};

    TraceRunOptions t;
    t.modelPath = task.model;
    t.generation = GenerationOptions{spec.maxNewTokens, 0.0f, 0, 1.0f, 0, true, 10};
    // The unmodified run is the "none" task's: an intervened task stores only its own run, so a
    // merged sweep holds each (model, intervention, prompt) once.
    t.onlyIntervened = true;
    t.klWithoutBase = true; // the table's KL from base per intervention
    t.label = fmt::format("sweep task {}", task.index);
    if (!spec.storeMaps) {
        // Layers past the last: no map is kept, while alpha_0 and the sink rate cover every head.
        const int layers = m.config().nLayers;
        t.capture.firstLayer = layers;
        t.capture.lastLayer = layers - 1;
    }
    {
        auto store = TraceStore::open(shard, /*create=*/true);
        if (!store) return store.error();
        for (const auto& ids : *prompts)
            if (auto runs = traceRuns(m, ids, interventions, t, **store); !runs) return runs.error();
    }
    return writeFileAtomically(taskDonePath(shardsDir, task.index), taskIdentity(spec, task));
}

CLI::App* addSweepTaskCommand(CLI::App& app, SweepTaskOptions& o) {
    CLI::App* cmd = app.add_subcommand("sweep-task", "One task of a sweep (run by `sweep`)");
    cmd->group(""); // internal: not listed in --help
    cmd->add_option("spec", o.spec, "Sweep spec (JSON)")->required();
    cmd->add_option("--task", o.task, "Task index")->required()->check(CLI::NonNegativeNumber);
    cmd->add_option("--shards", o.shards, "Shards directory")->required();
    return cmd;
}

int runSweepTaskCommand(const SweepTaskOptions& o) {
    auto finish = [&o](const std::string& message) {
        // The sweep reads this line; when even it cannot be written, the exit code still tells.
        (void)recordTaskError(o.shards, o.task, message);
        return fail(message);
    };
    auto spec = readSweepSpec(o.spec);
    if (!spec) return finish(spec.error().message);
    const auto tasks = sweepTasks(*spec);
    if (o.task >= static_cast<int>(tasks.size()))
        return finish(fmt::format("{}: no task {} (the spec makes {})", o.spec, o.task, tasks.size()));
    if (auto st = runSweepTask(*spec, tasks[static_cast<std::size_t>(o.task)], o.shards); !st)
        return finish(st.error().message);
    return 0;
}

} // namespace sinkscope::cli

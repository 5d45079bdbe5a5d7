#include "trace_command.h"

#include "cli_common.h"
#include "io/model_config.h"
#include "metrics/sink_heads.h"
#include "metrics/sink_metrics.h"
#include "model/trace_capture.h"
#include "trace/trace_store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

// FNV-1a over the config as config.json text: the same architecture and shape hash alike.
std::string configHash(const ModelConfig& c) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : toHfConfigJson(c)) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return fmt::format("{:016x}", h);
}

// alpha_0 over the prompt rows (step 0) of every head, from the captured maps.
std::vector<std::vector<double>> promptAlpha0(const TraceCapture& capture, int layers, int heads) {
    std::vector<std::vector<double>> a(static_cast<std::size_t>(layers),
                                       std::vector<double>(static_cast<std::size_t>(heads)));
    for (std::size_t i = 0; i < capture.mapCount(); ++i)
        if (const AttentionMap m = capture.map(i); m.kind == MapKind::Attention && m.step == 0)
            a[static_cast<std::size_t>(m.layer)][static_cast<std::size_t>(m.head)] =
                columnImportanceAt(MatrixView{m.values.data(), m.rows, m.cols, m.cols, m.firstRow}, 0);
    return a;
}

struct Side {
    GenerationOutput gen;
    std::unique_ptr<TraceCapture> capture;
};

Result<Side> runSide(const Model& m, const std::vector<std::int32_t>& ids, const TraceOptions& o,
                     const Interventions& ivs, const std::string& label) {
    Side s;
    s.capture = std::make_unique<TraceCapture>(m.config().nLayers, m.config().nHeads, o.scores);
    GenerationOptions g{o.maxNewTokens, o.temperature, o.topK, o.topP, o.seed, true, 10};
    auto gen = generateWithProgress(m, ids, g, s.capture.get(), ivs, "generating (" + label + ")");
    if (!gen) return gen.error();
    s.gen = std::move(gen.value());
    return s;
}

RunRecord record(const Model& m, const std::vector<std::int32_t>& ids, const TraceOptions& o,
                 const Interventions& ivs, const Side& side, const std::string& label,
                 const std::vector<float>* baseLogits) {
    const auto& c = m.config();
    RunRecord r;
    r.label = label;
    r.model = {o.input.model, c.modelType, configHash(c), m.parameterCount()};
    r.tokenIds = ids;
    for (auto id : ids)
        r.tokens.push_back(tokenText(m, id));
    r.promptText = m.tokenizer() ? m.tokenizer()->decode(ids) : "";
    for (const auto& iv : ivs)
        r.interventions.push_back(iv.spec);
    r.settingsJson = nlohmann::json{
        {"max_new_tokens", o.maxNewTokens},
        {"temperature", o.temperature},
        {"top_k", o.topK},
        {"top_p", o.topP},
        {"seed", o.seed},
        {"device", m.deviceName()},
        {"bos",
         o.input.bos}}.dump();
    for (const auto& step : side.gen.stepTopK) {
        std::vector<RankedEntry> entries;
        for (const auto& t : step)
            entries.push_back({t.id, t.prob, tokenText(m, t.id)});
        r.topK.push_back(std::move(entries));
    }
    r.generatedIds = side.gen.generated;
    r.generatedText = m.tokenizer() ? m.tokenizer()->decode(side.gen.generated) : "";
    const auto alpha0 = promptAlpha0(*side.capture, c.nLayers, c.nHeads);
    nlohmann::json metrics{{"alpha0", alpha0}, {"sink_rate_0.3", sinkRateOver({alpha0}, 0.3)}};
    if (baseLogits)
        metrics["kl_from_base"] = klDivergence(baseLogits->data(), side.gen.nextTokenLogits.data(),
                                               static_cast<std::int64_t>(baseLogits->size()));
    r.metricsJson = metrics.dump();
    r.layers = c.nLayers;
    r.heads = c.nHeads;
    return r;
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
    cmd->add_option("--label", o.label, "Label stored with the run(s)");
    cmd->add_flag("--json", o.json, "Print {\"run_ids\": [...]} instead of lines");
    return cmd;
}

int runTraceCommand(const TraceOptions& o) {
    // Everything that can be wrong with the input is checked before the trace file is created.
    auto run = openModelRun(o.input, o.json);
    if (!run) return fail(run.error().message);
    auto store = TraceStore::open(o.db, /*create=*/true);
    if (!store) return fail(store.error().message);
    const Model& m = *run->model;
    const auto& ids = run->ids;
    const auto& interventions = run->interventions;

    std::vector<std::int64_t> written;
    std::int64_t group = 0;
    std::vector<float> baseLogits;
    const bool withBase = interventions.empty() || !o.onlyIntervened;
    auto store1 = [&](const Interventions& ivs, const std::string& label,
                      const std::vector<float>* base) -> Status {
        auto side = runSide(m, ids, o, ivs, label);
        if (!side) return side.error();
        RunRecord r = record(m, ids, o, ivs, *side, o.label.empty() ? label : o.label + " · " + label, base);
        r.group = group;
        // One map at a time in float32: the capture holds them as the store encodes them (fp16).
        auto writer = (*store)->beginRun(std::move(r));
        if (!writer) return writer.error();
        for (std::size_t i = 0; i < side->capture->mapCount(); ++i)
            if (auto st = (*writer)->add(side->capture->map(i)); !st) return st.error();
        for (const auto& n : side->capture->norms())
            if (auto st = (*writer)->add(n); !st) return st.error();
        auto id = (*writer)->commit();
        if (!id) return id.error();
        if (group == 0) group = *id;
        written.push_back(*id);
        if (ivs.empty()) baseLogits = side->gen.nextTokenLogits;
        return okStatus();
    };
    if (withBase)
        if (auto st = store1({}, interventions.empty() ? "run" : "base", nullptr); !st)
            return fail(st.error().message);
    if (!interventions.empty())
        if (auto st = store1(interventions, "intervened", withBase ? &baseLogits : nullptr); !st)
            return fail(st.error().message);

    if (o.json) {
        fmt::print("{}\n", nlohmann::json{{"db", o.db}, {"run_ids", written}}.dump());
        return 0;
    }
    for (std::size_t i = 0; i < written.size(); ++i)
        fmt::print("stored run {} ({}) in {}\n", written[i],
                   i == 0 && withBase ? (interventions.empty() ? "run" : "base") : "intervened", o.db);
    return 0;
}

} // namespace sinkscope::cli

#include "stream_ppl_command.h"
#include "core/read_file.h"

#include "cli_common.h"
#include "core/excerpt.h"
#include "core/token_ids.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

Result<std::string> readFile(const std::string& path, const char* what) {
    auto text = readWholeFile(path, kTextFile);
    if (!text) return Error{fmt::format("{}: {}", what, text.error().message)};
    return text;
}

struct Row {
    std::string setting;
    int sinks = -1; // -1: full cache
    PerplexityOutput ppl;
};

} // namespace

CLI::App* addStreamPplCommand(CLI::App& app, StreamPplOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "stream-ppl", "Perplexity of a long text through a StreamingLLM cache (sink tokens + recent window)");
    cmd->add_option("--model,-m", o.input.model, "Model directory, .gguf file or llama2.c .bin")->required();
    auto* text =
        cmd->add_option("--text-file", o.textFile, "Text to score (tokenized with the model's tokenizer)");
    auto* ids =
        cmd->add_option("--token-ids-file", o.tokenIdsFile, "Comma-separated token ids to score instead");
    text->excludes(ids);
    ids->excludes(text);
    cmd->add_option("--window", o.window, "Recent tokens kept in the cache (the current one included)")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--sinks", o.sinks, "Sink-token counts to compare, e.g. 0,1,4 (0: window only)");
    cmd->add_option("--positions", o.positions,
                    "shift: positions re-assigned within the cache (StreamingLLM); original: text positions")
        ->check(CLI::IsMember({"shift", "original"}));
    cmd->add_flag("!--no-full", o.full, "Skip the full-cache (no eviction) reference row");
    cmd->add_option("--bos", o.input.bos, "Prepend BOS to the text: auto (model's config), yes, no")
        ->check(CLI::IsMember({"auto", "yes", "no"}));
    cmd->add_option("--device", o.input.device, "cpu or cuda (falls back to cpu with a message)");
    addComputeOption(cmd, o.input.compute);
    cmd->add_option("--intervention,-i", o.input.interventions,
                    "Attention intervention SPEC applied in every row too (perplexity under a setting)");
    cmd->add_flag("--json", o.json, "Print one JSON object instead of a table");
    return cmd;
}

int runStreamPplCommand(const StreamPplOptions& o) {
    if (o.textFile.empty() && o.tokenIdsFile.empty())
        return fail("stream-ppl: give --text-file F or --token-ids-file F");
    auto counts = parseTokenIdList(o.sinks, "--sinks");
    if (!counts) return fail(counts.error().message);
    auto extra = parseInterventions(o.input.interventions);
    if (!extra) return fail(extra.error().message);
    for (const auto& iv : *extra)
        if (iv.kind == InterventionKind::Stream)
            return fail(fmt::format("--intervention \"{}\": the cache policy is set by --window and --sinks",
                                    excerpt(iv.spec)));
    auto model = loadModel(o.input, o.json);
    if (!model) return fail(model.error().message);
    const Model& m = *model.value();

    Result<std::vector<std::int32_t>> ids = Error{""};
    if (!o.tokenIdsFile.empty()) {
        auto text = readFile(o.tokenIdsFile, "--token-ids-file");
        if (!text) return fail(text.error().message);
        ids = parseTokenIdList(*text, "--token-ids-file");
    } else {
        auto text = readFile(o.textFile, "--text-file");
        if (!text) return fail(text.error().message);
        ids = encodeText(m, *text, o.input.bos, "--text-file");
    }
    if (!ids) return fail(ids.error().message);
    const auto n = static_cast<std::int64_t>(ids->size());
    if (n <= o.window)
        std::fprintf(stderr,
                     "note: the text has %lld tokens, not more than the window (%d): nothing is evicted\n",
                     static_cast<long long>(n), o.window);

    std::vector<Row> rows;
    auto score = [&](const std::string& setting, int sinks, const Interventions& ivs) -> Status {
        Progress progress("scoring " + setting);
        auto r = m.perplexity(*ids, ivs, [&](int done, int total) {
            progress.update(done, total);
            return true;
        });
        if (!r) return r.error();
        rows.push_back({setting, sinks, *r});
        return okStatus();
    };
    if (o.full)
        if (auto s = score("full cache", -1, *extra); !s) return fail(s.error().message);
    for (auto k : *counts) {
        auto iv =
            parseIntervention(fmt::format("stream:sinks={},window={},pos={}", k, o.window, o.positions));
        if (!iv) return fail(iv.error().message);
        const std::string setting =
            k == 0 ? "window only" : fmt::format("{} sink{} + window", k, k == 1 ? "" : "s");
        Interventions ivs = *extra;
        ivs.push_back(*iv);
        if (auto s = score(setting, k, ivs); !s) return fail(s.error().message);
    }

    if (o.json) {
        nlohmann::json j;
        j["model"] = m.describe();
        j["tokens"] = n;
        j["window"] = o.window;
        j["positions"] = o.positions;
        j["interventions"] = o.input.interventions;
        auto& out = j["rows"] = nlohmann::json::array();
        for (const auto& r : rows)
            out.push_back({{"setting", r.setting},
                           {"sinks", r.sinks < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.sinks)},
                           {"predicted", r.ppl.predicted},
                           {"mean_nll", r.ppl.meanNll},
                           {"perplexity", r.ppl.perplexity}});
        fmt::print("{}\n", j.dump());
        return 0;
    }
    fmt::print("model: {}\n", m.describe());
    for (const auto& iv : *extra)
        fmt::print("intervention in every row: {}\n", describeIntervention(iv));
    fmt::print("text: {} tokens; window {} (current token included); positions {}\n", n, o.window,
               o.positions == "shift" ? "re-assigned within the cache" : "as in the text");
    fmt::print("  {:<18} {:>6} {:>10} {:>10} {:>12}\n", "setting", "cache", "predicted", "NLL", "perplexity");
    for (const auto& r : rows)
        fmt::print("  {:<18} {:>6} {:>10} {:>10.4f} {:>12.3f}\n", r.setting,
                   r.sinks < 0 ? std::string("all") : std::to_string(r.sinks + o.window), r.ppl.predicted,
                   r.ppl.meanNll, r.ppl.perplexity);
    return 0;
}

} // namespace sinkscope::cli

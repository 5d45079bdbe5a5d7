#include "run_command.h"

#include "cli_common.h"
#include "explain_row.h"
#include "metrics/output_effect.h"
#include "model/model.h"
#include "model/observer_tools.h"
#include "session/capture.h"
#include "session/visual_share.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <unistd.h>

namespace sinkscope::cli {

namespace {

// What run reports of a picture: where its block is and the text's attention share on it.
struct ImageReport {
    ImageSpan span;
    std::vector<std::vector<double>> visualShare; // [layer][head], session/visual_share.h
};

void printHuman(const Model& model, const std::vector<std::int32_t>& ids, const GenerationOutput& gen,
                const std::vector<RankedToken>& top, const std::vector<std::vector<double>>& alpha0,
                const Interventions& interventions, const ImageReport* image) {
    fmt::print("model: {}\ndevice: {}\n", model.describe(), model.deviceName());
    for (const auto& iv : interventions)
        fmt::print("intervention: {}\n", describeIntervention(iv));
    fmt::print("tokens fed to the model ({}):\n", ids.size());
    if (image) fmt::print("  (positions {}-{} are the image)\n", image->span.first, image->span.last);
    for (std::size_t i = 0; i < ids.size(); ++i)
        fmt::print("  {:>4}  {:>6}  '{}'\n", i, ids[i], printable(tokenText(model, ids[i])));
    fmt::print("next-token top-{}:\n", top.size());
    for (const auto& t : top)
        fmt::print("  {:>6}  {:7.4f}  '{}'\n", t.id, t.prob, printable(tokenText(model, t.id)));
    if (!gen.generated.empty()) {
        const std::string text = model.tokenizer() ? model.tokenizer()->decode(gen.generated) : "";
        fmt::print("generated ids: {}\n", fmt::join(gen.generated, ","));
        if (model.tokenizer()) fmt::print("generated text: {}\n", text);
        if (gen.stoppedAtEos) fmt::print("(stopped at end-of-sequence)\n");
        if (gen.cancelled) fmt::print("(cancelled)\n");
    }
    fmt::print("alpha_0 (mean attention on the first token, over the prompt), layer x head:\n      ");
    for (std::size_t h = 0; h < (alpha0.empty() ? 0 : alpha0[0].size()); ++h)
        fmt::print(" {:>5}", fmt::format("h{}", h));
    fmt::print("\n");
    for (std::size_t l = 0; l < alpha0.size(); ++l) {
        fmt::print("  {:>4}", fmt::format("L{}", l));
        for (double a : alpha0[l])
            fmt::print(" {:5.3f}", a);
        fmt::print("\n");
    }
    // methods.md, windowed layers: alpha_0 averages the rows that can see token 0, not all rows.
    const ModelConfig& c = model.config();
    std::vector<std::string> windowed;
    for (int l = 0; l < c.nLayers; ++l)
        if (const int w = c.windowOf(l); w > 0 && static_cast<std::size_t>(w) < ids.size())
            windowed.push_back(fmt::format("L{}", l));
    if (!windowed.empty())
        fmt::print(
            "  windowed layers {} (window {}): alpha_0 over the first {} rows, the ones that see token 0\n",
            fmt::join(windowed, ","), c.slidingWindow, c.slidingWindow);
}

void printJson(const Model& model, const std::vector<std::int32_t>& ids, const GenerationOutput& gen,
               const std::vector<RankedToken>& top, const std::vector<std::vector<double>>& alpha0,
               const Interventions& interventions, const ImageReport* image) {
    nlohmann::json j;
    if (image) {
        j["image_positions"] = {image->span.first, image->span.last};
        j["visual_share"] = image->visualShare;
    }
    if (!interventions.empty()) {
        auto& list = j["interventions"] = nlohmann::json::array();
        for (const auto& iv : interventions)
            list.push_back(iv.spec);
    }
    j["model"] = model.describe();
    j["device"] = model.deviceName();
    j["token_ids"] = ids;
    auto& tokens = j["tokens"] = nlohmann::json::array();
    for (auto id : ids)
        tokens.push_back(tokenText(model, id));
    auto& topk = j["next_token_topk"] = nlohmann::json::array();
    for (const auto& t : top)
        topk.push_back({{"id", t.id}, {"text", tokenText(model, t.id)}, {"prob", t.prob}});
    j["generated_ids"] = gen.generated;
    j["generated_text"] = model.tokenizer() ? model.tokenizer()->decode(gen.generated) : "";
    j["alpha0"] = alpha0;
    // Tokens may hold bytes that are not UTF-8 on their own; replace rather than fail.
    fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace

CLI::App* addRunCommand(CLI::App& app, RunOptions& o) {
    CLI::App* run =
        app.add_subcommand("run", "Run a prompt through a model and report attention on the first token");
    addModelInputOptions(run, o.input, /*interventions=*/true);
    CLI::Option* maxNew = run->add_option("--max-new-tokens,-n", o.maxNewTokens, "Tokens to generate")
                              ->check(CLI::Range(0, 100000));
    run->add_option("--temperature", o.temperature, "Sampling temperature; 0 is greedy")
        ->check(CLI::Range(0.0, 100.0));
    run->add_option("--top-k", o.topK, "Sample among the k most probable tokens (0: all)")
        ->check(CLI::NonNegativeNumber);
    run->add_option("--top-p", o.topP, "Nucleus sampling mass (1: off)")->check(CLI::Range(0.0, 1.0));
    run->add_option("--seed", o.seed, "Random seed for sampling");
    run->add_flag("--json", o.json, "Print one JSON object instead of tables");
    run->add_option("--explain-row", o.explainRow,
                    "LAYER,HEAD,QUERY: that query row's pre-softmax scores and the weights the model makes "
                    "of them, unmodified and intervened, instead of the usual report")
        ->excludes(maxNew);
    addOverlayOptions(run, o.overlay);
    return run;
}

int runRunCommand(const RunOptions& o) {
    if (o.input.prompt.empty() && o.input.tokenIds.empty())
        return fail("run: give --prompt TEXT or --token-ids 1,2,3");
    std::optional<RowIndex> explain;
    if (!o.explainRow.empty()) {
        auto row = parseRowIndex(o.explainRow);
        if (!row) return fail(row.error().message);
        explain = *row;
    }
    if (explain && !o.input.image.empty()) return fail("run: --explain-row does not take --image yet");
    auto run = openModelRun(o.input, o.json);
    if (!run) return fail(run.error().message);
    if (explain) return runExplainRow(*run, *explain, o.json);
    if (!o.overlay.out.empty())
        if (auto st = writeOverlay(*run, o.overlay); !st) return fail(st.error().message);
    const Model& m = *run->model;
    const auto& ids = run->ids;
    const auto& interventions = run->interventions;
    ColumnImportanceObserver alpha(m.config().nLayers, m.config().nHeads,
                                   static_cast<std::int64_t>(ids.size()));
    GenerationOptions g{o.maxNewTokens, o.temperature, o.topK, o.topP, o.seed, true};
    std::optional<ImageReport> image;
    std::optional<VisualShareObserver> share;
    std::optional<ObserverFanout> both;
    if (run->image) {
        image = ImageReport{run->imageSpan, {}};
        share.emplace(m.config().nLayers, m.config().nHeads, image->span.first, image->span.last,
                      static_cast<std::int64_t>(ids.size()));
        both.emplace(alpha, *share);
    }
    auto gen = generateWithProgress(m, ids, g, both ? static_cast<ForwardObserver*>(&*both) : &alpha,
                                    interventions, "generating", run->embeddings());
    if (!gen) return fail(gen.error().message);
    if (share) image->visualShare = share->share();
    const auto top =
        topK(gen->nextTokenLogits.data(), static_cast<std::int64_t>(gen->nextTokenLogits.size()), 10);
    if (o.json)
        printJson(m, ids, *gen, top, alpha.alpha0(), interventions, image ? &*image : nullptr);
    else
        printHuman(m, ids, *gen, top, alpha.alpha0(), interventions, image ? &*image : nullptr);
    return 0;
}

} // namespace sinkscope::cli

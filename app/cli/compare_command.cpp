#include "compare_command.h"

#include "cli_common.h"
#include "session/comparison.h"

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

void printAlphaPair(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
    fmt::print(
        "alpha_0 before -> after (mean attention on the first token over the prompt), layer x head:\n");
    for (std::size_t l = 0; l < a.size(); ++l) {
        fmt::print("  {:>4}", fmt::format("L{}", l));
        for (std::size_t h = 0; h < a[l].size(); ++h)
            fmt::print("  {:.3f}>{:.3f}", a[l][h], b[l][h]);
        fmt::print("\n");
    }
}

nlohmann::json topJson(const Model& m, const std::vector<RankedToken>& top) {
    auto out = nlohmann::json::array();
    for (const auto& t : top)
        out.push_back({{"id", t.id}, {"text", tokenText(m, t.id)}, {"prob", t.prob}});
    return out;
}

} // namespace

CLI::App* addCompareCommand(CLI::App& app, CompareOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "compare", "Run a prompt with and without interventions and show what changes (greedy decoding)");
    addModelInputOptions(cmd, o.input, /*interventions=*/true);
    cmd->get_option("--intervention")->required();
    cmd->add_option("--max-new-tokens,-n", o.maxNewTokens, "Tokens to generate on each side")
        ->check(CLI::Range(0, 100000));
    cmd->add_option("--top-k", o.topK, "How many next tokens to list")->check(CLI::Range(1, 1000));
    cmd->add_flag("--json", o.json, "Print one JSON object instead of tables");
    return cmd;
}

int runCompareCommand(const CompareOptions& o) {
    auto run = openModelRun(o.input, o.json);
    if (!run) return fail(run.error().message);
    const Model& m = *run->model;
    const auto& ids = run->ids;
    const auto& interventions = run->interventions;

    // A progress line per side, as the generation of that side runs.
    std::unique_ptr<Progress> line;
    CompareSide shown = CompareSide::Base;
    auto progress = [&](CompareSide side, int done, int total) {
        if (!line || side != shown) {
            line.reset(); // the base side's line ends before the intervened side's starts
            line = std::make_unique<Progress>(fmt::format("generating ({})", compareSideName(side)));
            shown = side;
        }
        line->update(done, total);
        return true;
    };
    auto compared = compareRun(m, ids, interventions, o.maxNewTokens, o.topK, progress, run->embeddings());
    line.reset();
    if (!compared) return fail(compared.error().message);
    const auto& effect = compared->effect;
    const auto& base = compared->generations.base;
    const auto& after = compared->generations.intervened;
    const auto& diverge = compared->generations.firstDivergence;
    const auto& notes = compared->notes;
    if (o.json) {
        nlohmann::json j;
        j["model"] = m.describe();
        j["token_ids"] = ids;
        if (run->image) j["image_positions"] = {run->imageSpan.first, run->imageSpan.last};
        auto& tokens = j["tokens"] = nlohmann::json::array();
        for (auto id : ids)
            tokens.push_back(tokenText(m, id));
        auto& list = j["interventions"] = nlohmann::json::array();
        for (const auto& iv : interventions)
            list.push_back({{"spec", iv.spec}, {"description", describeIntervention(iv)}});
        j["kl"] = effect.kl;
        j["base_top1"] = {{"id", effect.baseTop1},
                          {"text", tokenText(m, effect.baseTop1)},
                          {"rank_after", effect.baseTop1RankAfter},
                          {"prob_after", effect.baseTop1ProbAfter}};
        j["top1_changed"] = effect.top1Changed;
        j["first_divergence"] = diverge ? nlohmann::json(*diverge) : nlohmann::json(nullptr);
        j["notes"] = notes;
        j["base"] = {{"next_token_topk", topJson(m, effect.baseTop)},
                     {"generated_ids", base.generated},
                     {"generated_text", decodeIds(m, base.generated, ",")},
                     {"alpha0", compared->baseAlpha0}};
        j["intervened"] = {{"next_token_topk", topJson(m, effect.intervenedTop)},
                           {"generated_ids", after.generated},
                           {"generated_text", decodeIds(m, after.generated, ",")},
                           {"alpha0", compared->intervenedAlpha0}};
        fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return 0;
    }

    fmt::print("model: {}\n", m.describe());
    fmt::print("prompt: {} tokens\n", ids.size());
    for (const auto& iv : interventions)
        fmt::print("intervention: {}\n", describeIntervention(iv));
    fmt::print("next token: KL(base || intervened) = {:.6f} nats\n", effect.kl);
    fmt::print("  {:>4}  {:>26}  {:>26}\n", "rank", "base", "intervened");
    for (std::size_t r = 0; r < effect.baseTop.size(); ++r) {
        auto cell = [&](const RankedToken& t) {
            return fmt::format("{:>14} {:>6.4f} #{:<4}", fmt::format("'{}'", printable(tokenText(m, t.id))),
                               t.prob, t.id);
        };
        fmt::print("  {:>4}  {}  {}\n", r + 1, cell(effect.baseTop[r]), cell(effect.intervenedTop[r]));
    }
    fmt::print("base top-1 '{}' is {} after the intervention (p = {:.4f})\n",
               printable(tokenText(m, effect.baseTop1)),
               effect.baseTop1RankAfter == 0 ? std::string("still first")
                                             : fmt::format("rank {}", effect.baseTop1RankAfter + 1),
               effect.baseTop1ProbAfter);
    if (o.maxNewTokens > 0) {
        fmt::print("generated (base):       {}\n", printable(decodeIds(m, base.generated, ",")));
        fmt::print("generated (intervened): {}\n", printable(decodeIds(m, after.generated, ",")));
        if (diverge)
            fmt::print("the texts diverge at generated token {}\n", *diverge);
        else
            fmt::print("the generated tokens are identical\n");
    }
    for (const auto& n : notes)
        fmt::print("note: {}\n", n);
    printAlphaPair(compared->baseAlpha0, compared->intervenedAlpha0);
    return 0;
}

} // namespace sinkscope::cli

#include "explain_row.h"

#include "cli_common.h"
#include "model/prepared_prompt.h"
#include "model/row_explanation.h"

#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <numeric>
#include <regex>

namespace sinkscope::cli {

Result<RowIndex> parseRowIndex(const std::string& text) {
    static const std::regex form(R"(\s*(\d{1,9})\s*,\s*(\d{1,9})\s*,\s*(\d{1,12})\s*)");
    std::smatch m;
    // Three numbers fit in 64 characters; a longer argument is not one (and is not fed to the regex).
    if (text.size() > 64 || !std::regex_match(text, m, form))
        return Error{
            fmt::format("--explain-row \"{}\": give LAYER,HEAD,QUERY as three whole numbers, e.g. 1,3,7",
                        printable(text.substr(0, 64)))};
    return RowIndex{std::stoi(m[1]), std::stoi(m[2]), std::stoll(m[3])};
}

namespace {

const char* rule(const RowExplanation& r) {
    switch (r.weighting) {
    case AttentionKind::Sigmoid:
        return "sigmoid: w_j = sigmoid(z_j + bias), no normalisation across the row";
    case AttentionKind::SinkLogit:
        return "softmax with an extra logit b: w_j = e^z_j / (e^b + sum_k e^z_k)";
    default:
        return "softmax: w_j = e^z_j / sum_k e^z_k, the row sums to 1";
    }
}

double rowSum(const AttentionRowPass& p) {
    return std::accumulate(p.weights.begin(), p.weights.end(), 0.0);
}

nlohmann::json passJson(const AttentionRowPass& p) {
    nlohmann::json j;
    auto& scores = j["scores"] = nlohmann::json::array();
    for (float z : p.scores) // JSON has no -infinity: a key the row cannot see is null
        scores.push_back(std::isfinite(z) ? nlohmann::json(z) : nlohmann::json());
    j["weights"] = p.weights;
    j["extra_logit"] = std::isfinite(p.extraLogit) ? nlohmann::json(p.extraLogit) : nlohmann::json();
    j["row_sum"] = rowSum(p);
    j["mass_on_first"] = p.weights.empty() ? 0.0 : p.weights[0];
    return j;
}

std::string score(float z) {
    return std::isfinite(z) ? fmt::format("{:10.4f}", z) : fmt::format("{:>10}", "hidden");
}

void printHuman(const Model& m, const std::vector<std::int32_t>& ids, const RowExplanation& r) {
    const auto tok = [&](std::int64_t j) {
        return printable(tokenText(m, ids[static_cast<std::size_t>(j)]));
    };
    fmt::print("model: {}\n", m.describe());
    fmt::print("layer {} head {}, query {} '{}': scores z_j = q_i.k_j * scale, then {}\n", r.layer, r.head,
               r.query, tok(r.query), rule(r));
    if (r.weighting == AttentionKind::Sigmoid) fmt::print("sigmoid bias: {}\n", r.sigmoidBias);
    for (const auto& s : r.onThisHead)
        fmt::print("intervention on this head: {}\n", s);
    if (r.intervened && r.onThisHead.empty())
        fmt::print("no intervention selects this head: its row changes only through earlier layers\n");
    if (!r.note.empty()) fmt::print("note: {}\n", r.note);
    const AttentionRowPass* after = r.intervened ? &*r.intervened : nullptr;
    fmt::print("  {:>5}  {:<14} {:>10} {:>10}", "key", "token", "score z", "weight");
    if (after) fmt::print(" {:>12} {:>12}", "z (interv.)", "w (interv.)");
    fmt::print("\n");
    for (std::int64_t j = 0; j <= r.query; ++j) {
        const auto k = static_cast<std::size_t>(j);
        fmt::print("  {:>5}  {:<14} {} {:10.6f}", j, fmt::format("'{}'", tok(j)), score(r.base.scores[k]),
                   r.base.weights[k]);
        if (after) fmt::print("   {} {:12.6f}", score(after->scores[k]), after->weights[k]);
        fmt::print("\n");
    }
    // The extra logit column: it takes the rest of the row and passes no value on.
    if (std::isfinite(r.base.extraLogit) || (after && std::isfinite(after->extraLogit))) {
        const auto extra = [](const AttentionRowPass& p) {
            return std::isfinite(p.extraLogit)
                       ? fmt::format("{:10.4f} {:10.6f}", p.extraLogit, 1.0 - rowSum(p))
                       : fmt::format("{:>10} {:>10}", "-", "-");
        };
        fmt::print("  {:>5}  {:<14} {}", "b", "(extra logit)", extra(r.base));
        if (after) fmt::print("   {}", extra(*after));
        fmt::print("\n");
    }
    fmt::print("row sum: {:.6f}{}\n", rowSum(r.base),
               after ? fmt::format(" -> {:.6f} intervened", rowSum(*after)) : "");
    fmt::print("mass on token 0 '{}': {:.4f}{}\n", tok(0), r.base.weights[0],
               after ? fmt::format(" -> {:.4f} intervened", after->weights[0]) : "");
}

} // namespace

int runExplainRow(const ModelRun& run, const RowIndex& row, bool json) {
    const Model& m = *run.model;
    auto prompt = PreparedPrompt::create(m, run.ids);
    if (!prompt) return fail(prompt.error().message);
    auto r = explainRow(m, **prompt, row.layer, row.head, row.query, run.interventions);
    if (!r)
        return fail(
            fmt::format("--explain-row {},{},{}: {}", row.layer, row.head, row.query, r.error().message));
    if (!json) {
        printHuman(m, run.ids, *r);
        return 0;
    }
    nlohmann::json j;
    j["model"] = m.describe();
    j["layer"] = r->layer;
    j["head"] = r->head;
    j["query"] = r->query;
    j["weighting"] = attentionKindName(r->weighting);
    if (r->weighting == AttentionKind::Sigmoid) j["sigmoid_bias"] = r->sigmoidBias;
    auto& tokens = j["tokens"] = nlohmann::json::array();
    for (std::int64_t t = 0; t <= r->query; ++t)
        tokens.push_back(tokenText(m, run.ids[static_cast<std::size_t>(t)]));
    j["base"] = passJson(r->base);
    if (r->intervened) j["intervened"] = passJson(*r->intervened);
    j["interventions_on_head"] = r->onThisHead;
    if (!r->note.empty()) j["note"] = r->note;
    fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
}

} // namespace sinkscope::cli

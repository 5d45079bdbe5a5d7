#include "metrics_command.h"

#include "cli_common.h"
#include "core/excerpt.h"
#include "core/read_file.h"
#include "figures/figure_builders.h"
#include "metrics/secondary_sinks.h"
#include "metrics/sink_dimensions.h"
#include "metrics/visual_sinks.h"
#include "session/image_prompt.h"
#include "session/prompt_report.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

Result<std::vector<std::vector<std::int32_t>>> allPrompts(const Model& m, const MetricsOptions& o,
                                                          std::optional<ImagePromptIds>& image) {
    std::vector<std::vector<std::int32_t>> out;
    if (o.promptsFile.empty()) {
        auto ids = promptIdsWithImage(m, o.input);
        if (!ids) return ids.error();
        out.push_back(ids->ids);
        if (ids->image) image = std::move(ids.value());
        return out;
    }
    if (!o.input.image.empty()) return Error{"metrics: --image takes one prompt (--prompt or --token-ids)"};
    auto text = readWholeFile(o.promptsFile, kPromptFile);
    if (!text) return Error{"--prompts-file: " + text.error().message};
    auto bos = parseBosChoice(o.input.bos);
    if (!bos) return bos.error();
    auto prompts = encodePromptLines(m, *text, *bos, "--prompts-file");
    if (!prompts) return prompts.error();
    if (prompts->empty())
        return Error{fmt::format("--prompts-file: '{}' has no prompts (one per line)", o.promptsFile)};
    return prompts;
}

// The picture's block and its visual sink tokens (VAR), layer by layer.
void printImage(const ImagePromptIds& image, const VisualSinks& visual) {
    const PromptImage& p = *image.image;
    fmt::print("image: {} at positions {}-{} ({} tokens: {}{} x {} patches)\n", p.path, image.span.first,
               image.span.last, image.span.last - image.span.first + 1,
               p.leadingTokens ? fmt::format("{} leading + ", p.leadingTokens) : std::string(), p.gridRows,
               p.gridCols);
    fmt::print("visual sink tokens (image tokens with phi >= {:.2f} in sink dimensions {{{}}}), per layer:\n",
               visual.dimensions.tau, fmt::join(visual.dimensions.dims, ","));
    for (std::size_t l = 0; l < visual.layers.size(); ++l) {
        const auto tokens = imageSinkTokens(visual.layers[l], image.span.first, image.span.last);
        fmt::print("  {:>4}  {}\n", fmt::format("L{}", l),
                   tokens.empty() ? std::string("none") : fmt::format("{}", fmt::join(tokens, ",")));
    }
}

void printTable(const char* title, const std::vector<std::vector<double>>& t, double mark = -1) {
    fmt::print("{}\n      ", title);
    for (std::size_t h = 0; h < (t.empty() ? 0 : t[0].size()); ++h)
        fmt::print(" {:>6}", fmt::format("h{}", h));
    fmt::print("\n");
    for (std::size_t l = 0; l < t.size(); ++l) {
        fmt::print("  {:>4}", fmt::format("L{}", l));
        for (double v : t[l])
            fmt::print(" {:5.3f}{}", v, mark >= 0 && v > mark ? "*" : " ");
        fmt::print("\n");
    }
}

Result<std::pair<std::int64_t, std::int64_t>> parseSpan(const std::string& text) {
    const auto dash = text.find('-');
    try {
        std::size_t used = 0;
        const std::string a = text.substr(0, dash);
        const long long first = std::stoll(a, &used);
        if (used != a.size()) throw std::invalid_argument(a);
        long long last = first;
        if (dash != std::string::npos) {
            const std::string b = text.substr(dash + 1);
            last = std::stoll(b, &used);
            if (used != b.size()) throw std::invalid_argument(b);
        }
        if (first < 0 || last < first) throw std::invalid_argument(text);
        return std::make_pair(static_cast<std::int64_t>(first), static_cast<std::int64_t>(last));
    } catch (const std::exception&) {
        return Error{fmt::format("--span: \"{}\" is not a token span A-B with 0 <= A <= B", excerpt(text))};
    }
}

void printBeyond(const Model& m, const std::vector<std::int32_t>& ids, const SinkDimensions& dims,
                 const PromptMetricsObserver& obs, const MetricsOptions& o, const BeyondOptions& beyond) {
    fmt::print("sink dimensions (r = |h| / rms(h) >= tau = {:.2f} in at least half the states): {}\n",
               dims.tau,
               dims.dims.empty() ? std::string("none") : fmt::format("{}", fmt::join(dims.dims, ", ")));
    fmt::print("  largest r {:.2f}; top channels per state (dim:token:r):\n", dims.largestR);
    for (std::size_t s = 0; s < dims.perState.size(); ++s) {
        fmt::print("  {:>5}", fmt::format("S{}", s));
        for (const auto& p : dims.perState[s])
            fmt::print("  {}:{}:{:.1f}", p.dim, p.token, p.value);
        if (!dims.sinkTokens.empty() && !dims.sinkTokens[s].empty())
            fmt::print("   sink tokens by phi: {}", fmt::join(dims.sinkTokens[s], ","));
        fmt::print("\n");
    }
    fmt::print("catch-tag-release (sink token {} '{}', caught when A[i, sink] >= {}): caught / tag share, "
               "layer x head:\n",
               o.sink, printable(tokenText(m, ids[static_cast<std::size_t>(o.sink)])), o.theta);
    for (std::size_t l = 0; l < obs.catchTagRelease().size(); ++l) {
        fmt::print("  {:>4}", fmt::format("L{}", l));
        for (const auto& s : obs.catchTagRelease()[l])
            fmt::print("  {:>3}/{}", s.caught,
                       s.tagShare ? fmt::format("{:.2f}", *s.tagShare) : std::string("  - "));
        fmt::print("\n");
    }
    if (!beyond.span) return;
    fmt::print("{} of tokens {}-{} (mass >= {}, ratio >= {}; * = selected): mass/ratio\n",
               beyond.spanSinks.empty() ? "span-centric heads" : "image-centric heads", beyond.span->first,
               beyond.span->second, beyond.spanOptions.minMass, beyond.spanOptions.minRatio);
    for (std::size_t l = 0; l < obs.spanHeads().size(); ++l) {
        fmt::print("  {:>4}", fmt::format("L{}", l));
        for (const auto& s : obs.spanHeads()[l])
            fmt::print("  {:.2f}/{:.2f}{}", s.mass, s.ratio, s.selected ? "*" : " ");
        fmt::print("\n");
    }
}

} // namespace

CLI::App* addMetricsCommand(CLI::App& app, MetricsOptions& o) {
    CLI::App* cmd = app.add_subcommand("metrics", "Attention-sink metrics of a prompt or of many prompts");
    addModelInputOptions(cmd, o.input, /*interventions=*/true);
    auto* file = cmd->add_option("--prompts-file", o.promptsFile, "Text file with one prompt per line");
    file->excludes(cmd->get_option("--prompt"));
    file->excludes(cmd->get_option("--token-ids"));
    cmd->add_option("--eps", o.eps, "Sink threshold on alpha (Sink_1^eps, sink heads)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--tau", o.tau, "Sink-dimension threshold on r (default min(20, sqrt(D)/2))")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--theta", o.theta, "Catch-tag-release: a token is caught when A[i, sink] >= theta")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--sink", o.sink, "The sink token for catch-tag-release and the span ratio")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--span", o.span, "A-B: score the span-centric heads of this token span");
    cmd->add_option("--channels-out", o.channelsOut,
                    "Draw r = |h| / rms(h) of one residual state of the first prompt, tokens x channels, "
                    "sink dimensions and sink tokens marked (.png, .svg or .pdf)");
    cmd->add_option("--state", o.state, "With --channels-out: the state l (l enters layer l; 0..L)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", o.json, "Print one JSON object instead of tables");
    return cmd;
}

namespace {

// The desktop channels view's "Export…": the same engine values, figure builder and renderer.
int drawChannels(const Model& m, const std::vector<std::int32_t>& ids, const HiddenStates& h,
                 const SinkDimensions& dims, const MetricsOptions& o) {
    const auto states = static_cast<int>(h.states.size());
    if (o.state >= states)
        return fail(
            fmt::format("--state {}: the model has states 0..{} (L + 1 = {})", o.state, states - 1, states));
    std::vector<std::string> labels;
    for (auto id : ids)
        labels.push_back(tokenText(m, id));
    const auto l = static_cast<std::size_t>(o.state);
    const auto model = std::filesystem::path(o.input.model).lexically_normal();
    ensureGuiApplication();
    const auto sinks = l < dims.sinkTokens.size() ? dims.sinkTokens[l] : std::vector<std::int64_t>{};
    const auto f =
        channelFigure(channelRatios(h, l), h.tokens, h.dim, labels, dims.dims, sinks, o.state, states,
                      dims.tau, (model.has_filename() ? model : model.parent_path()).filename().string());
    if (auto st = writeHeatmap(f, o.channelsOut); !st) return fail(st.error().message);
    if (!o.json) fmt::print("wrote {} (state {})\n", o.channelsOut, o.state);
    return 0;
}

} // namespace

int runMetricsCommand(const MetricsOptions& o) {
    if (o.input.prompt.empty() && o.input.tokenIds.empty() && o.promptsFile.empty())
        return fail("metrics: give --prompt TEXT, --token-ids 1,2,3 or --prompts-file F");
    auto interventions = parseInterventions(o.input.interventions);
    if (!interventions) return fail(interventions.error().message);
    auto model = loadModel(o.input, o.json);
    if (!model) return fail(model.error().message);
    const Model& m = *model.value();
    const auto& c = m.config();
    std::optional<ImagePromptIds> image;
    auto prompts = allPrompts(m, o, image);
    if (!prompts) return fail(prompts.error().message);
    BeyondOptions beyond;
    beyond.catchTagRelease = true;
    beyond.ctr = CtrOptions{o.theta, o.sink};
    std::optional<VisualSinks> visual;
    if (image) {
        // The picture is the span: its image-centric heads, scored against its visual sinks.
        if (!o.span.empty()) return fail("metrics: --span and --image: the image is the span of its heads");
        auto v = measureVisualSinks(m, image->ids, image->image->embeddings, o.tau);
        if (!v) return fail(v.error().message);
        visual = std::move(v.value());
        beyond.span = std::make_pair(image->span.first, image->span.last);
        beyond.spanSinks = visual->layers;
    } else if (!o.span.empty()) {
        auto span = parseSpan(o.span);
        if (!span) return fail(span.error().message);
        if (span->second >= static_cast<std::int64_t>(prompts->front().size()))
            return fail(
                fmt::format("--span {}: the first prompt has {} tokens", o.span, prompts->front().size()));
        beyond.span = *span;
    }
    if (o.sink >= static_cast<std::int64_t>(prompts->front().size()))
        return fail(
            fmt::format("--sink {}: the first prompt has {} tokens", o.sink, prompts->front().size()));

    PromptReportOptions options;
    options.eps = o.eps;
    if (o.tau > 0) options.dims.tau = o.tau;
    options.beyond = beyond;
    options.image = image ? &image->image->embeddings : nullptr;
    Progress progress("measuring");
    auto report = measurePrompts(m, *prompts, *interventions, options,
                                 [&progress](int done, int total) { progress.update(done, total); });
    if (!report) return fail(report.error().message);
    const PromptMetricsObserver* first = report->first.get();
    const double rate = report->sinkRate;
    const auto& meanAlpha0 = report->meanAlpha0;
    const auto& heads = report->sinkHeads;
    const auto norms = first->hiddenNorms();
    const auto& table = report->firstSummary.secondary;
    const auto& dims = report->firstSummary.dims;
    const auto& ids0 = prompts->front();
    if (!o.channelsOut.empty())
        if (int code = drawChannels(m, ids0, first->hiddenStates(), dims, o); code != 0) return code;

    if (o.json) {
        nlohmann::json j;
        j["model"] = m.describe();
        j["prompts"] = prompts->size();
        j["eps"] = o.eps;
        j["sink_rate"] = rate;
        j["alpha0_mean"] = meanAlpha0;
        j["sink_heads"] = heads;
        j["token_ids"] = ids0;
        auto& alpha = j["alpha"] = nlohmann::json::array();
        for (int l = 0; l < c.nLayers; ++l) {
            auto row = nlohmann::json::array();
            for (int h = 0; h < c.nHeads; ++h)
                row.push_back(first->alpha(l, h));
            alpha.push_back(row);
        }
        j["entropy"] = first->entropy();
        j["hidden_norms"] = norms;
        auto& kv = j["kv_norms"] = nlohmann::json::array();
        for (int l = 0; l < c.nLayers; ++l) {
            auto row = nlohmann::json::array();
            for (int h = 0; h < c.nHeads; ++h)
                row.push_back({{"key", first->keyNorms(l, h)}, {"value", first->valueNorms(l, h)}});
            kv.push_back(row);
        }
        auto& sec = j["secondary_sinks"] = nlohmann::json::array();
        for (const auto& r : table.rows)
            sec.push_back({{"token", r.token},
                           {"first_layer", r.firstLayer},
                           {"layers", r.layers},
                           {"role", std::string(sinkRoleName(r.role))}});
        j["secondary_checked_states"] = {table.firstCheckedState, table.lastCheckedState};
        auto perLayer = nlohmann::json::array();
        for (const auto& state : dims.perState) {
            auto peaks = nlohmann::json::array();
            for (const auto& p : state)
                peaks.push_back({{"dim", p.dim}, {"token", p.token}, {"value", p.value}});
            perLayer.push_back(peaks);
        }
        j["sink_dims"] = {{"tau", dims.tau},
                          {"dims", dims.dims},
                          {"per_layer", perLayer},
                          {"sink_tokens", dims.sinkTokens}};
        auto opt = [](const std::optional<double>& v) {
            return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
        };
        auto& ctr = j["ctr"] = nlohmann::json::array();
        for (const auto& layer : first->catchTagRelease()) {
            auto row = nlohmann::json::array();
            for (const auto& s : layer)
                row.push_back({{"caught", s.caught},
                               {"tag_share", opt(s.tagShare)},
                               {"pc1_var", opt(s.pc1Var)},
                               {"pc1_cos_tag", opt(s.pc1CosTag)}});
            ctr.push_back(row);
        }
        j["ctr_options"] = {{"theta", o.theta}, {"sink", o.sink}};
        if (beyond.span) {
            auto& span = j["span_heads"] = nlohmann::json::array();
            for (const auto& layer : first->spanHeads()) {
                auto row = nlohmann::json::array();
                for (const auto& s : layer)
                    row.push_back({{"mass", s.mass}, {"ratio", s.ratio}, {"selected", s.selected}});
                span.push_back(row);
            }
            j["span"] = {beyond.span->first, beyond.span->second};
        }
        if (visual) {
            j["image_positions"] = {image->span.first, image->span.last};
            j["image_grid"] = {image->image->gridRows, image->image->gridCols, image->image->leadingTokens};
            auto& tokens = j["visual_sink_tokens"] = nlohmann::json::array();
            for (const auto& layer : visual->layers)
                tokens.push_back(imageSinkTokens(layer, image->span.first, image->span.last));
            j["visual_sink_dims"] = {{"tau", visual->dimensions.tau}, {"dims", visual->dimensions.dims}};
            auto& selected = j["image_centric_heads"] = nlohmann::json::array();
            for (std::size_t l = 0; l < first->spanHeads().size(); ++l)
                for (std::size_t h = 0; h < first->spanHeads()[l].size(); ++h)
                    if (first->spanHeads()[l][h].selected) selected.push_back({l, h});
        }
        fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return 0;
    }

    fmt::print("model: {}\n", m.describe());
    for (const auto& iv : *interventions)
        fmt::print("intervention: {}\n", describeIntervention(iv));
    fmt::print("prompts: {}\n", prompts->size());
    fmt::print(
        "Sink_1^{} (first token; the paper counts tokens from 1): {:.1f} % of {} (prompt, layer, head)\n",
        o.eps, rate, prompts->size() * static_cast<std::size_t>(c.nLayers * c.nHeads));
    printTable(fmt::format("alpha_0 (mean over prompts), layer x head; * = sink head (alpha_0 > {}):", o.eps)
                   .c_str(),
               meanAlpha0, o.eps);
    fmt::print("\nfirst prompt: {} tokens\n", ids0.size());
    printTable("mean row entropy (nats), layer x head:", first->entropy());
    fmt::print(
        "hidden-state norm per (state, token) (state l enters layer l; the last leaves the last layer):\n");
    const std::size_t shown = std::min<std::size_t>(ids0.size(), 16);
    fmt::print("        ");
    for (std::size_t t = 0; t < shown; ++t)
        fmt::print(" {:>8}", fmt::format("t{}", t));
    fmt::print("{}\n", shown < ids0.size() ? "  ..." : "");
    for (std::size_t s = 0; s < norms.size(); ++s) {
        fmt::print("  {:>5} ", fmt::format("S{}", s));
        for (std::size_t t = 0; t < shown && t < norms[s].size(); ++t)
            fmt::print(" {:8.2f}", norms[s][t]);
        fmt::print("\n");
    }
    fmt::print("value norm of token 0 / mean of the others, layer x head (< 1: value-state drain):\n");
    printTable("", report->firstSummary.valueDrain);
    fmt::print("secondary sinks (|cos(h, h_BOS)| > 0.9, states {}-{} checked):\n", table.firstCheckedState,
               table.lastCheckedState);
    if (table.rows.empty()) fmt::print("  none\n");
    for (const auto& r : table.rows)
        fmt::print("  token {:>4} '{}'  first layer {:>2}  layers {:>2}  {}\n", r.token,
                   printable(tokenText(m, ids0[static_cast<std::size_t>(r.token)])), r.firstLayer, r.layers,
                   sinkRoleName(r.role));
    if (visual) printImage(*image, *visual);
    printBeyond(m, ids0, dims, *first, o, beyond);
    return 0;
}

} // namespace sinkscope::cli

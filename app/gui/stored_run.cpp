#include "stored_run.h"

#include "trace/run_metrics.h"
#include "trace/stored_picture.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>

namespace sinkscope::gui {

namespace {

std::string fileName(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

std::string settingText(const RunRecord& r) {
    return r.interventions.empty() ? std::string("no intervention")
                                   : fmt::format("{}", fmt::join(r.interventions, " "));
}

// The prompt pass of every head as one dense [layers, heads, T, T] buffer (the layout of RunView).
Result<std::vector<float>> promptMaps(const TraceStore& s, const RunRecord& r) {
    const auto T = static_cast<std::int64_t>(r.tokenIds.size());
    std::vector<float> out(static_cast<std::size_t>(r.layers * r.heads * T * T), 0.0f);
    for (int l = 0; l < r.layers; ++l)
        for (int h = 0; h < r.heads; ++h) {
            auto m = s.loadMap(r.id, 0, l, h);
            if (!m) return m.error();
            if (m->firstRow != 0 || m->rows != T || m->cols != T)
                return Error{fmt::format("{}: run {} layer {} head {}: the prompt map is {}x{} from row {}, "
                                         "expected {}x{} for its {} prompt tokens",
                                         s.path(), r.id, l, h, m->rows, m->cols, m->firstRow, T, T, T)};
            std::copy(m->values.begin(), m->values.end(),
                      out.begin() + (static_cast<std::int64_t>(l) * r.heads + h) * T * T);
        }
    return out;
}

// The layers' sliding windows the run's settings record ("windows": one entry per layer); empty
// when absent or malformed (a trace file can come from anywhere), which reads as no windows.
std::vector<int> settingsWindows(const RunRecord& r) {
    const auto settings = nlohmann::json::parse(r.settingsJson, nullptr, false);
    if (!settings.is_object()) return {};
    const auto it = settings.find("windows");
    if (it == settings.end() || !it->is_array() || it->size() != static_cast<std::size_t>(r.layers))
        return {};
    std::vector<int> out;
    for (const auto& w : *it) {
        if (!w.is_number_integer() || w.get<std::int64_t>() < 0 || w.get<std::int64_t>() > (1 << 30))
            return {};
        out.push_back(w.get<int>());
    }
    return out;
}

std::vector<RankedToken> ranked(const RunRecord& r, std::vector<std::string>& text) {
    std::vector<RankedToken> out;
    if (r.topK.empty()) return out;
    for (const auto& e : r.topK.front()) {
        out.push_back({e.id, e.prob});
        text.push_back(e.text);
    }
    return out;
}

std::string generation(const RunRecord& r) {
    if (!r.generatedText.empty() || r.generatedIds.empty()) return r.generatedText;
    return fmt::format("{}", fmt::join(r.generatedIds, ","));
}

// The unmodified run stored in the same group on the same tokens, if any.
std::optional<RunRecord> groupBase(const TraceStore& s, const RunRecord& r) {
    if (r.interventions.empty()) return std::nullopt;
    auto runs = s.listRuns();
    if (!runs) return std::nullopt;
    for (const auto& summary : *runs) {
        if (summary.group != r.group || summary.id == r.id || !summary.interventions.empty()) continue;
        auto base = s.loadRun(summary.id);
        if (base && base->tokenIds == r.tokenIds && base->layers == r.layers && base->heads == r.heads)
            return std::move(base.value());
    }
    return std::nullopt;
}

// Fills a view from two records (base and shown, possibly the same) and their maps.
Result<std::shared_ptr<RunView>> build(const TraceStore& s, const RunRecord& base, const RunRecord& shown) {
    auto view = std::make_shared<RunView>();
    view->ids = shown.tokenIds;
    view->modelName = fileName(shown.model.path);
    view->T = static_cast<std::int64_t>(shown.tokenIds.size());
    for (std::size_t i = 0; i < shown.tokenIds.size(); ++i)
        view->tokens.push_back(i < shown.tokens.size() ? shown.tokens[i]
                                                       : fmt::format("<{}>", shown.tokenIds[i]));
    view->layers = shown.layers;
    view->heads = shown.heads;
    auto maps = promptMaps(s, shown);
    if (!maps) return maps.error();
    view->attention = std::make_shared<const std::vector<float>>(std::move(maps.value()));
    if (base.id == shown.id) {
        view->baseAttention = view->attention;
    } else {
        auto b = promptMaps(s, base);
        if (!b) return b.error();
        view->baseAttention = std::make_shared<const std::vector<float>>(std::move(b.value()));
    }
    view->windows = settingsWindows(shown);
    // A picture that does not read back leaves the run as a text run (the maps still show).
    if (auto picture = readStoredPicture(shown.settingsJson, view->T, view->layers); picture && *picture) {
        auto info = std::make_shared<RunView::Image>();
        auto& p = **picture;
        info->path = p.path;
        info->first = p.first;
        info->last = p.last;
        info->gridRows = p.gridRows;
        info->gridCols = p.gridCols;
        info->leadingTokens = p.leadingTokens;
        info->visualSinks = std::move(p.visualSinks);
        info->picture = std::make_shared<const RgbImage>(std::move(p.thumbnail));
        view->image = std::move(info);
        labelImageTokens(*view);
    }
    view->alpha0 = alpha0Table(*view->attention, view->layers, view->heads, view->T, view->windows);
    view->baseAlpha0 = alpha0Table(*view->baseAttention, view->layers, view->heads, view->T, view->windows);
    view->interventions = shown.interventions;
    view->effect.baseTop = ranked(base, view->baseTopText);
    view->effect.intervenedTop = ranked(shown, view->topText);
    if (!view->effect.baseTop.empty()) {
        const auto top1 = view->effect.baseTop.front().id;
        view->effect.baseTop1 = top1;
        const auto& after = view->effect.intervenedTop;
        const auto it = std::find_if(after.begin(), after.end(), [&](const auto& t) { return t.id == top1; });
        // Only the stored top-k is known: a top-1 that fell out of it gets the first rank past it.
        view->effect.baseTop1RankAfter = it - after.begin();
    }
    // A trace file can come from anywhere: a metric of another type reads as absent (0).
    const auto metrics = readRunMetrics(shown.metricsJson, shown.layers, shown.heads);
    view->effect.kl = metrics.klFromBase.value_or(0.0);
    view->sinkRate = metrics.sinkRate;
    view->generatedBase = generation(base);
    view->generatedIntervened = generation(shown);
    if (auto d = firstDivergence(base.generatedIds, shown.generatedIds))
        view->firstDivergence = static_cast<std::int64_t>(*d);
    if (auto norms = s.loadNorms(shown.id)) {
        for (const auto& n : *norms) {
            if (n.kind != NormKind::Hidden || n.layer < 0) continue;
            const auto state = static_cast<std::size_t>(n.layer);
            if (view->hiddenNorms.size() <= state) view->hiddenNorms.resize(state + 1);
            auto& row = view->hiddenNorms[state];
            row.assign(static_cast<std::size_t>(view->T), 0.0f);
            for (std::size_t i = 0; i < n.values.size(); ++i) {
                const auto t = n.firstToken + static_cast<std::int64_t>(i);
                if (t < view->T) row[static_cast<std::size_t>(t)] = n.values[i];
            }
        }
    }
    return view;
}

} // namespace

Result<RunViewPtr> loadStoredRun(const TraceStore& store, std::int64_t id) {
    auto run = store.loadRun(id);
    if (!run) return run.error();
    const auto base = groupBase(store, *run);
    auto view = build(store, base ? *base : *run, *run);
    if (!view) return view.error();
    auto& v = view.value();
    v->source = fmt::format("trace run {} of {} ({})", id, fileName(store.path()), run->label);
    if (base) v->source += fmt::format(", base: run {}", base->id);
    return RunViewPtr(std::move(v));
}

Result<RunViewPtr> loadRunComparison(const TraceStore& store, std::int64_t baseId, std::int64_t otherId) {
    auto base = store.loadRun(baseId);
    if (!base) return base.error();
    auto other = store.loadRun(otherId);
    if (!other) return other.error();
    if (base->tokenIds != other->tokenIds)
        return Error{fmt::format("{}: runs {} and {} were run on different tokens; only runs of the same "
                                 "prompt compare",
                                 store.path(), baseId, otherId)};
    if (base->layers != other->layers || base->heads != other->heads)
        return Error{fmt::format("{}: runs {} and {} have different shapes: {}x{} and {}x{} layers x heads",
                                 store.path(), baseId, otherId, base->layers, base->heads, other->layers,
                                 other->heads)};
    auto view = build(store, *base, *other);
    if (!view) return view.error();
    auto& v = view.value();
    v->comparison = true;
    v->caption =
        fmt::format("run {} ({}) − run {} ({})", otherId, settingText(*other), baseId, settingText(*base));
    v->source = fmt::format("trace runs {} − {} of {}", otherId, baseId, fileName(store.path()));
    return RunViewPtr(std::move(v));
}

} // namespace sinkscope::gui

#include "export_command.h"

#include "array_files.h"
#include "cli_common.h"
#include "figures/figures.h"
#include "metrics/sink_heads.h"
#include "trace/run_metrics.h"
#include "trace/trace_store.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <optional>
#include <tuple>

namespace sinkscope::cli {

namespace {

std::string extensionOf(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (auto& ch : ext)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return ext;
}

std::string modelName(const RunRecord& r) {
    const auto p = std::filesystem::path(r.model.path);
    return p.has_filename() ? p.filename().string() : r.model.path;
}

std::string settingText(const RunRecord& r) {
    return r.interventions.empty() ? std::string("no intervention")
                                   : fmt::format("{}", fmt::join(r.interventions, " "));
}

// The text of the token at `pos`: a prompt token, or a generated one (its text as recorded in the
// top-k of the step that produced it when it was among them, else its id).
std::string tokenLabel(const RunRecord& r, std::int64_t pos) {
    const auto n = static_cast<std::int64_t>(r.tokens.size());
    if (pos < n) return r.tokens[static_cast<std::size_t>(pos)];
    const auto g = static_cast<std::size_t>(pos - n);
    if (g >= r.generatedIds.size()) return fmt::format("#{}", pos);
    if (g < r.topK.size())
        for (const auto& t : r.topK[g])
            if (t.id == r.generatedIds[g]) return t.text;
    return fmt::format("<{}>", r.generatedIds[g]);
}

// The setting of a figure: the run's interventions, or for a difference both runs' settings.
std::string diffText(const RunRecord& r, const RunRecord* other, const ExportOptions& o) {
    if (!other) return settingText(r);
    return fmt::format("run {} ({}) − run {} ({})", o.diff, settingText(*other), o.run, settingText(r));
}

// A stored map, or RUN2 minus RUN over the same tokens.
Result<AttentionMap> mapOf(const TraceStore& store, const ExportOptions& o, int layer, int head) {
    const MapKind kind = o.scores ? MapKind::Scores : MapKind::Attention;
    auto a = store.loadMap(o.run, o.step, layer, head, kind);
    if (!a || !o.diff) return a;
    auto b = store.loadMap(o.diff, o.step, layer, head, kind);
    if (!b) return b.error();
    if (a->rows != b->rows || a->cols != b->cols || a->firstRow != b->firstRow)
        return Error{fmt::format("runs {} and {} have different shapes at step {}: {}x{} and {}x{}", o.run,
                                 o.diff, o.step, a->rows, a->cols, b->rows, b->cols)};
    for (std::size_t i = 0; i < a->values.size(); ++i)
        a->values[i] = b->values[i] - a->values[i];
    return a;
}

// "--range LO,HI" as two finite numbers with LO < HI; {NaN, NaN} when not given.
Result<std::pair<double, double>> colourRange(const std::string& text) {
    if (text.empty()) return std::pair{std::nan(""), std::nan("")};
    const auto comma = text.find(',');
    const auto bad = Error{fmt::format("--range '{}': expected LO,HI with LO < HI, e.g. 0,1", text)};
    if (comma == std::string::npos) return bad;
    try {
        std::size_t a = 0, b = 0;
        const std::string lo = text.substr(0, comma), hi = text.substr(comma + 1);
        const double l = std::stod(lo, &a), h = std::stod(hi, &b);
        if (a != lo.size() || b != hi.size() || !std::isfinite(l) || !std::isfinite(h) || !(l < h))
            return bad;
        return std::pair{l, h};
    } catch (const std::exception&) {
        return bad;
    }
}

HeatmapFigure figureOf(const AttentionMap& m, const RunRecord& r, const RunRecord* other,
                       const ExportOptions& o, Colormap cmap, MapScale scale) {
    HeatmapFigure f;
    if (auto range = colourRange(o.range); range) std::tie(f.vmin, f.vmax) = *range;
    f.rows = m.rows;
    f.cols = m.cols;
    f.values = m.values;
    for (std::int64_t i = 0; i < m.rows; ++i)
        for (std::int64_t j = m.firstRow + i + 1; j < m.cols; ++j)
            f.values[static_cast<std::size_t>(i * m.cols + j)] = std::numeric_limits<float>::quiet_NaN();
    auto label = [&](std::int64_t pos) { return tokenLabel(r, pos); };
    for (std::int64_t i = 0; i < m.rows; ++i)
        f.rowLabels.push_back(label(m.firstRow + i));
    for (std::int64_t j = 0; j < m.cols; ++j)
        f.colLabels.push_back(label(j));
    f.title = fmt::format("{} · layer {} · head {}{} · {}", modelName(r), m.layer, m.head,
                          o.step ? fmt::format(" · step {}", o.step) : "", diffText(r, other, o));
    f.colorbarLabel = o.scores ? "pre-softmax score" : (o.diff ? "attention difference" : "attention weight");
    f.colormap = cmap;
    f.scale = scale;
    f.dpi = o.dpi;
    return f;
}

} // namespace

CLI::App* addExportCommand(CLI::App& app, ExportOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "export",
        "Export a stored attention map, a layer x head grid or a difference as .npy/.csv/.png/.svg/.pdf");
    cmd->add_option("--db", o.db, "Trace file")->required();
    cmd->add_option("--run", o.run, "Run id (see `runs`)")->required();
    cmd->add_option("--step", o.step, "0: the prompt pass; s: the s-th generated token")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--layer", o.layer, "Layer")->check(CLI::NonNegativeNumber);
    cmd->add_option("--head", o.head, "Head")->check(CLI::NonNegativeNumber);
    cmd->add_flag("--grid", o.grid, "A layer x head overview figure of the run instead of one map");
    cmd->add_option("--diff", o.diff, "Difference map: RUN2 minus --run (same tokens)");
    cmd->add_option("--beside", o.beside,
                    "Draw RUN2's map (same layer, head, step) right of --run's on one shared colour scale: "
                    "two models, or base beside intervened, compare by colour (any tokens)");
    cmd->add_flag("--scores", o.scores, "Pre-softmax scores instead of attention (if stored)");
    cmd->add_option("--out", o.out, "Output file; the extension picks the format")->required();
    cmd->add_option("--colormap", o.colormap,
                    "viridis (default), magma, grey, diverging (default for --diff)");
    cmd->add_option("--scale", o.scale, "linear, log or row (each row scaled to its maximum)");
    cmd->add_option("--dpi", o.dpi, "Raster resolution")->check(CLI::Range(36, 1200));
    cmd->add_option("--range", o.range,
                    "Fixed colour range LO,HI (e.g. 0,1: maps of different heads, runs or models compare "
                    "by colour); default: the map's own range");
    return cmd;
}

int runExportCommand(const ExportOptions& o) {
    const std::string ext = extensionOf(o.out);
    const bool data = ext == ".npy" || ext == ".csv";
    if (!data && ext != ".png" && ext != ".svg" && ext != ".pdf")
        return fail(
            fmt::format("--out {}: unknown extension '{}' (use .npy, .csv, .png, .svg or .pdf)", o.out, ext));
    if (o.grid && data) return fail("--grid draws a figure: use .png, .svg or .pdf");
    if (o.beside && (data || o.grid || o.diff))
        return fail(
            "--beside draws one figure of two maps: use .png, .svg or .pdf, without --grid or --diff");
    auto cmap = parseColormap(o.colormap.empty() ? (o.diff ? "diverging" : "viridis") : o.colormap);
    if (!cmap) return fail("--colormap: " + cmap.error().message);
    auto scale = parseMapScale(o.scale);
    if (!scale) return fail("--scale: " + scale.error().message);
    if (auto range = colourRange(o.range); !range) return fail(range.error().message);

    auto store = TraceStore::openReadOnly(o.db);
    if (!store) return fail(store.error().message);
    auto run = (*store)->loadRun(o.run);
    if (!run) return fail(run.error().message);
    std::optional<RunRecord> other;
    if (o.diff) {
        auto loaded = (*store)->loadRun(o.diff);
        if (!loaded) return fail(loaded.error().message);
        if (loaded->tokenIds != run->tokenIds)
            return fail(
                fmt::format("--diff {}: runs {} and {} were run on different tokens", o.diff, o.run, o.diff));
        other = std::move(loaded.value());
    }
    const RunRecord* otherRun = other ? &*other : nullptr;

    if (o.grid) {
        ensureGuiApplication();
        GridFigure g;
        g.layers = run->layers;
        g.heads = run->heads;
        g.colormap = *cmap;
        g.scale = *scale;
        g.dpi = o.dpi;
        // A trace file can come from anywhere: an alpha0 table of another shape or type reads as
        // absent (readRunMetrics) rather than indexed out of bounds.
        const auto alpha0 = o.diff ? std::vector<std::vector<double>>()
                                   : readRunMetrics(run->metricsJson, run->layers, run->heads).alpha0;
        if (!alpha0.empty()) {
            for (const auto& row : alpha0)
                g.cellValue.insert(g.cellValue.end(), row.begin(), row.end());
            g.marked = sinkHeadFlags(alpha0);
        }
        for (int l = 0; l < run->layers; ++l)
            for (int h = 0; h < run->heads; ++h) {
                auto m = mapOf(**store, o, l, h);
                if (!m) return fail(m.error().message);
                g.cells.push_back(figureOf(*m, *run, otherRun, o, *cmap, *scale));
            }
        g.title = fmt::format("{} · {} layers × {} heads{} · {}", modelName(*run), run->layers, run->heads,
                              o.step ? fmt::format(" · step {}", o.step) : "", diffText(*run, otherRun, o));
        if (auto st = writeGrid(g, o.out); !st) return fail(st.error().message);
        fmt::print("wrote {}\n", o.out);
        return 0;
    }
    if (o.layer >= run->layers || o.head >= run->heads)
        return fail(fmt::format("--layer {} --head {}: run {} has {} layers x {} heads", o.layer, o.head,
                                o.run, run->layers, run->heads));
    auto m = mapOf(**store, o, o.layer, o.head);
    if (!m) return fail(m.error().message);
    Status st = okStatus();
    if (ext == ".npy") {
        st = writeNpyFloat32(o.out, m->values, m->rows, m->cols);
    } else if (ext == ".csv") {
        std::vector<std::string> rowLabels, colLabels;
        for (std::int64_t i = 0; i < m->rows; ++i)
            rowLabels.push_back(fmt::format("{}:{}", m->firstRow + i, tokenLabel(*run, m->firstRow + i)));
        for (std::int64_t j = 0; j < m->cols; ++j)
            colLabels.push_back(run->tokens.size() > static_cast<std::size_t>(j)
                                    ? run->tokens[static_cast<std::size_t>(j)]
                                    : "");
        st = writeCsvMatrix(o.out, m->values, m->rows, m->cols, rowLabels, colLabels);
    } else if (o.beside) {
        auto right = (*store)->loadRun(o.beside);
        if (!right) return fail(right.error().message);
        if (o.layer >= right->layers || o.head >= right->heads)
            return fail(fmt::format("--beside {}: --layer {} --head {}: run {} has {} layers x {} heads",
                                    o.beside, o.layer, o.head, o.beside, right->layers, right->heads));
        ExportOptions ro = o;
        ro.run = o.beside;
        auto rm = mapOf(**store, ro, o.layer, o.head);
        if (!rm) return fail(rm.error().message);
        ensureGuiApplication();
        st = writeHeatmapPair(figureOf(*m, *run, nullptr, o, *cmap, *scale),
                              figureOf(*rm, *right, nullptr, ro, *cmap, *scale), o.out);
    } else {
        ensureGuiApplication();
        st = writeHeatmap(figureOf(*m, *run, otherRun, o, *cmap, *scale), o.out);
    }
    if (!st) return fail(st.error().message);
    fmt::print("wrote {} ({} x {})\n", o.out, m->rows, m->cols);
    return 0;
}

} // namespace sinkscope::cli

#include "timeline_command.h"

#include "cli_common.h"
#include "core/read_file.h"
#include "figures/curve_figure.h"
#include "figures/figure_builders.h"
#include "session/probe_sinks.h"
#include "trace/timeline_file.h"
#include "trace/timeline_source.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace sinkscope::cli {

namespace {

// Where the points came from, for messages and the figure's title.
struct Source {
    std::string where; // "runs/default/timeline.json" or "t.sqlite, timeline 'default'"
    std::string name;
};

// The desktop timeline's "Export α₀ map…": the same figure builder and renderer.
int drawCheckpoint(const TimelineOptions& o, const Source& src, const std::vector<TimelinePoint>& t) {
    if (t.empty()) return fail(fmt::format("{}: holds no checkpoints yet", src.where));
    const TimelinePoint* p = &t.back();
    if (o.step >= 0) {
        p = nullptr;
        std::string steps;
        for (const auto& q : t) {
            if (q.step == o.step) p = &q;
            steps += (steps.empty() ? "" : ", ") + std::to_string(q.step);
        }
        if (!p)
            return fail(fmt::format("--step {}: {} has checkpoints at steps {}", o.step, src.where, steps));
    }
    ensureGuiApplication();
    if (auto st = writeHeatmap(timelineAlpha0Figure(p->alpha0, src.name, p->step, p->sinkRate), o.out); !st)
        return fail(st.error().message);
    fmt::print("wrote {} (step {})\n", o.out, p->step);
    return 0;
}

// Sink^0.3 over training tokens, this timeline first and each --versus one beside it: runs with
// different batch sizes or lengths compare at equal tokens seen.
int drawSinkCurves(const TimelineOptions& o, const Source& src, const std::vector<TimelinePoint>& t) {
    if (t.empty()) return fail(fmt::format("{}: holds no checkpoints yet", src.where));
    CurveFigure f;
    f.title = "Sink^0.3 over training";
    f.xLabel = "training tokens (millions)";
    f.yLabel = "Sink^0.3 (% of probe, layer, head)";
    f.yMin = 0;
    auto add = [&f](const std::string& name, const std::vector<TimelinePoint>& points) {
        CurveSeries s{name, {}, {}};
        for (const auto& p : points) {
            s.xs.push_back(static_cast<double>(p.tokens) / 1e6);
            s.ys.push_back(p.sinkRate);
        }
        f.series.push_back(std::move(s));
    };
    add(src.name, t);
    for (const auto& text : o.versus) {
        auto source = parseTimelineSource(text);
        if (!source) return fail("--versus " + source.error().message);
        auto points = loadTimelineSource(*source);
        if (!points) return fail("--versus " + points.error().message);
        add(source->label, *points);
    }
    double top = 0;
    for (const auto& s : f.series)
        for (double y : s.ys)
            top = std::max(top, y);
    f.yMax = std::max(1.0, top * 1.08); // a sink-free run still gets an axis
    ensureGuiApplication();
    if (auto st = writeCurves(f, o.curves); !st) return fail(st.error().message);
    fmt::print("wrote {} ({} timeline{})\n", o.curves, f.series.size(), f.series.size() == 1 ? "" : "s");
    return 0;
}

// The lesson columns (StreamingLLM ratio, suppression KL) appear when any point measured them;
// "-" marks the points before the run had its held-out text.
void printTable(const std::vector<TimelinePoint>& t) {
    const bool lesson = std::any_of(t.begin(), t.end(), [](const TimelinePoint& p) {
        return p.streamPplWindow.has_value() || p.suppressionKl.has_value();
    });
    fmt::print("{:>8} {:>12} {:>8} {:>8} {:>8} {:>9} {:>10}{}\n", "step", "tokens", "train", "val", "probe",
               "Sink^0.3", "max a0", lesson ? fmt::format(" {:>12} {:>10}", "stream ratio", "supp KL") : "");
    for (const auto& p : t) {
        std::string extra;
        if (lesson) {
            const bool ratio = p.streamPplWindow && p.streamPplSinks;
            extra = fmt::format(" {:>12} {:>10}",
                                ratio ? fmt::format("{:.3f}", *p.streamPplWindow / *p.streamPplSinks) : "-",
                                p.suppressionKl ? fmt::format("{:.4f}", *p.suppressionKl) : "-");
        }
        fmt::print("{:>8} {:>12} {:8.4f} {:8.4f} {:8.4f} {:8.1f}% {:10.3f}{}\n", p.step, p.tokens,
                   p.trainLoss, p.valLoss, p.probeLoss, p.sinkRate, largestAlpha0(p.alpha0), extra);
    }
    if (t.empty()) return;
    const auto& last = t.back();
    fmt::print("alpha_0 at step {} (layer x head):\n", last.step);
    for (std::size_t l = 0; l < last.alpha0.size(); ++l) {
        fmt::print("  L{:<3}", l);
        for (double a : last.alpha0[l])
            fmt::print(" {:5.3f}", a);
        fmt::print("\n");
    }
}

int listTimelines(const TraceStore& store) {
    auto list = store.listTimelines();
    if (!list) return fail(list.error().message);
    if (list->empty()) {
        fmt::print(
            "{}: holds no training timelines (store one with timeline --run DIR --trace FILE, or train "
            "--trace FILE)\n",
            store.path());
        return 0;
    }
    fmt::print("{:<24} {:>6} {:>9} {:>12} {:>8} {:>9}\n", "timeline", "points", "last step", "tokens", "val",
               "Sink^0.3");
    for (const auto& t : *list)
        fmt::print("{:<24} {:>6} {:>9} {:>12} {:8.4f} {:8.1f}%\n", t.name, t.points, t.lastStep, t.lastTokens,
                   t.lastValLoss, t.lastSinkRate);
    return 0;
}

} // namespace

std::string timelineNameOf(const std::string& runDir) {
    auto dir = std::filesystem::path(runDir).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path(); // "runs/default/"
    return dir.filename().empty() ? runDir : dir.filename().string();
}

CLI::App* addTimelineCommand(CLI::App& app, TimelineOptions& o) {
    auto* cmd =
        app.add_subcommand("timeline", "Print the sink timeline of a training run, or store it in a trace");
    cmd->add_option("--run", o.run, "Run directory (or a model directory exported from one)");
    auto* trace =
        cmd->add_option("--trace", o.trace,
                        "Trace file: with --run, store the run's timeline in it; alone, read from it "
                        "(lists its timelines without --name)");
    cmd->add_option("--name", o.name,
                    "The timeline's name in the trace file (default: the run directory's name)")
        ->needs(trace);
    cmd->add_flag("--json", o.json, "Print the timeline as JSON");
    cmd->add_option("--out", o.out, "Draw the alpha_0 map of one checkpoint (.png, .svg or .pdf)");
    cmd->add_option("--step", o.step, "With --out: the checkpoint's step (default: the latest)");
    auto* curves =
        cmd->add_option("--curves", o.curves, "Draw Sink^0.3 over training tokens (.png, .svg or .pdf)");
    cmd->add_option("--versus", o.versus,
                    "With --curves: another timeline beside it, a run directory or TRACE:NAME (repeatable)")
        ->needs(curves);
    return cmd;
}

int runTimelineCommand(const TimelineOptions& o) {
    if (o.run.empty() && o.trace.empty()) return fail("timeline: give --run DIR or --trace FILE");
    std::vector<TimelinePoint> points;
    Source src;
    if (!o.run.empty()) {
        auto t = readTimeline(o.run);
        if (!t) return fail(t.error().message);
        points = std::move(*t);
        src = {o.run + "/timeline.json", timelineNameOf(o.run)};
        if (!o.trace.empty()) {
            const auto name = o.name.empty() ? src.name : o.name;
            auto store = TraceStore::open(o.trace);
            if (!store) return fail(store.error().message);
            (*store)->setWriteWait(noisyWriteWait(o.trace));
            if (auto s = (*store)->writeTimeline(name, points); !s) return fail(s.error().message);
            // On stderr, so that --json still prints nothing but the timeline.
            fmt::print(stderr, "stored {} checkpoints of {} in {} as timeline '{}'\n", points.size(), o.run,
                       o.trace, name);
        }
    } else {
        auto store = TraceStore::openReadOnly(o.trace);
        if (!store) return fail(store.error().message);
        if (o.name.empty()) return listTimelines(**store);
        auto t = (*store)->loadTimeline(o.name);
        if (!t) return fail(t.error().message);
        points = std::move(*t);
        src = {fmt::format("{}, timeline '{}'", o.trace, o.name), o.name};
    }
    if (!o.out.empty() && !o.curves.empty())
        return fail("timeline: --out and --curves draw one figure each; give one");
    if (!o.out.empty()) return drawCheckpoint(o, src, points);
    if (!o.curves.empty()) return drawSinkCurves(o, src, points);
    if (o.json) {
        // A run directory's file as it is (it also describes the probe set); a trace's points as
        // that file writes them.
        auto text = o.run.empty() ? Result<std::string>(timelinePointsJson(points))
                                  : readWholeFile(src.where, kTimelineFile);
        if (!text) return fail(text.error().message);
        fmt::print("{}", *text);
        return 0;
    }
    printTable(points);
    return 0;
}

} // namespace sinkscope::cli

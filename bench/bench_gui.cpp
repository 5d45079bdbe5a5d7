// Desktop figures, on a real X display (run under xvfb-run with QT_QPA_PLATFORM=xcb):
//  1. heatmap pan/zoom frame time on an 8192 x 8192 map: the GPU canvas (level-of-detail tiles)
//     against the QPainter view drawing the whole rendered map each frame (the baseline);
//  2. event-loop latency while a long generation runs in the worker, against the idle loop;
//  3. intervention toggle -> updated output panel at 256 tokens (end to end: debounce, prefix
//     reuse, metrics, views), against editing the prompt (a full run).
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/bench/bench_gui [--model DIR] [--map N] [--frames N]
// Targets (2 cores): >= 60 fps; <= 50 ms event-loop latency; <= 150 ms toggle -> panel.
// Under Xvfb, GL is Mesa llvmpipe (software): a frame costs in proportion to the canvas pixels
// (the map size does not matter, thanks to the level of detail), so two canvas sizes are timed.
#include "figures/figure_image.h"
#include "gl/gl_heatmap_view.h"
#include "intervention_panel.h"
#include "io/random_checkpoint.h"
#include "main_window.h"
#include "thread_policy.h"
#include "train/train_config.h"
#include "views/heatmap_view.h"

#include <CLI/CLI.hpp>
#include <QApplication>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QTimer>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

using namespace sinkscope;

namespace {

struct Stats {
    double median = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return {};
    return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back()};
}

HeatmapFigure bigMap(std::int64_t n) {
    HeatmapFigure f;
    f.rows = f.cols = n;
    f.values.assign(static_cast<std::size_t>(n * n), NAN);
    std::mt19937 rng(5);
    std::exponential_distribution<float> dist(1.0f);
    for (std::int64_t r = 0; r < n; ++r) {
        float* row = f.values.data() + r * n;
        float sum = 0;
        for (std::int64_t c = 0; c <= r; ++c)
            sum += (row[c] = dist(rng));
        row[0] += sum; // a sink: about half of each row's mass on token 0
        sum *= 2;
        for (std::int64_t c = 0; c <= r; ++c)
            row[c] /= sum;
    }
    f.dpi = 72;
    return f;
}

// The interaction script both canvases get: pan, zoom in about the centre, pan, zoom out.
void interact(QWidget& w, int frames, const std::function<void(int step, int phase)>& apply,
              const std::function<void()>& finish, std::vector<double>& ms) {
    for (int i = 0; i < frames; ++i) {
        apply(i % (frames / 4), i / (frames / 4));
        QElapsedTimer t;
        t.start();
        w.repaint();
        finish();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
}

void benchHeatmap(std::int64_t n, int frames, int width, int height) {
    QElapsedTimer t;
    t.start();
    HeatmapFigure f = bigMap(n);
    fmt::print("\nheatmap {} x {} ({} frames: pan, zoom in, pan, zoom out; canvas {} x {})\n", n, n, frames,
               width, height);
    fmt::print("  map generated in {:.0f} ms\n", double(t.elapsed()));

    GlHeatmapView gl;
    gl.resize(width, height);
    gl.show();
    if (!QTest::qWaitForWindowExposed(&gl)) fmt::print("  the canvas window was not exposed\n");
    int swapped = 0;
    QObject::connect(&gl, &QOpenGLWindow::frameSwapped, [&] { ++swapped; });
    const auto waitForFrame = [&](int before) {
        while (swapped == before)
            QApplication::processEvents(QEventLoop::AllEvents, 5);
    };
    t.restart();
    gl.setFigure(f);
    waitForFrame(swapped);
    fmt::print("  GPU canvas: level-of-detail pyramid + first frame {:.0f} ms\n", double(t.elapsed()));
    // One frame = a view change until the canvas is swapped on screen: what a user sees.
    std::vector<double> glMs, paintMs;
    std::vector<int> levels, uploads;
    gl.setProfiling(true);
    const QPointF centre(width / 2.0, height / 2.0);
    const int quarter = frames / 4;
    for (int i = 0; i < frames; ++i) {
        const int phase = i / quarter;
        if (phase == 0 || phase == 2)
            gl.setView(gl.pixelsPerCell(), gl.topLeftCell() + QPointF(25, 18) / gl.pixelsPerCell());
        if (phase == 1) gl.zoomAbout(1.15, centre);
        if (phase == 3) gl.zoomAbout(1 / 1.15, centre);
        QElapsedTimer frame;
        frame.start();
        waitForFrame(swapped);
        glMs.push_back(double(frame.nsecsElapsed()) / 1e6);
        levels.push_back(gl.lastFrame().level);
        uploads.push_back(gl.lastFrame().tilesUploaded);
        paintMs.push_back(gl.lastFrame().paintMs);
    }
    gl.hide();

    HeatmapView raster;
    raster.resize(width, height);
    raster.show();
    if (!QTest::qWaitForWindowExposed(&raster)) fmt::print("  the QPainter window was not exposed\n");
    t.restart();
    raster.setFigure(f);
    raster.repaint();
    fmt::print("  QPainter view: rendering the whole map + first frame {:.0f} ms\n", double(t.elapsed()));
    std::vector<double> rasterMs;
    interact(
        raster, frames,
        [&](int, int phase) {
            QKeyEvent key(QEvent::KeyPress,
                          phase == 1   ? Qt::Key_Plus
                          : phase == 3 ? Qt::Key_Minus
                                       : Qt::Key_Right,
                          Qt::NoModifier);
            QApplication::sendEvent(&raster, &key);
        },
        [] {}, rasterMs);

    const Stats g = stats(glMs), r = stats(rasterMs);
    const int maxUploads = *std::max_element(uploads.begin(), uploads.end());
    fmt::print("  {:<34} {:>10} {:>10} {:>10} {:>8}\n", "", "median", "p95", "max", "fps");
    fmt::print("  {:<34} {:>7.2f} ms {:>7.2f} ms {:>7.2f} ms {:>8.0f}\n", "GPU canvas (level of detail)",
               g.median, g.p95, g.max, 1000 / g.median);
    fmt::print("  {:<34} {:>7.2f} ms {:>7.2f} ms {:>7.2f} ms {:>8.0f}\n", "QPainter view (baseline)",
               r.median, r.p95, r.max, 1000 / r.median);
    fmt::print(
        "  of which drawing the canvas (paintGL + glFinish): median {:.2f} ms; the rest is the swap to the X "
        "server and Qt's frame pacing\n",
        stats(paintMs).median);
    fmt::print("  GPU canvas levels used {}..{}, at most {} tiles uploaded in one frame\n",
               *std::min_element(levels.begin(), levels.end()),
               *std::max_element(levels.begin(), levels.end()), maxUploads);
    // The baseline blits a pre-rendered full-resolution image with nearest sampling: cheap per frame,
    // but it holds the whole map as pixels and, zoomed out, shows 1 of every k columns, so a
    // one-token sink column can vanish; the canvas max-pools instead.
    std::size_t pyramidBytes = 0;
    for (int l = 0; l < gl.pyramid().levels(); ++l)
        pyramidBytes += std::size_t(gl.pyramid().rows(l) * gl.pyramid().cols(l)) * 2;
    fmt::print("  memory: GPU canvas pyramid {:.0f} MiB + at most {:.0f} MiB of tiles; QPainter view image "
               "{:.0f} MiB\n",
               double(pyramidBytes) / (1 << 20),
               double(GlHeatmapView::kMaxCachedTiles) * HeatmapPyramid::kTile * HeatmapPyramid::kTile * 2 /
                   (1 << 20),
               double(raster.image().sizeInBytes()) / (1 << 20));
}

// Samples how late a 5 ms timer fires while `during` runs (until done() is true).
Stats loopLatency(const std::function<void()>& start, const std::function<bool()>& done, int minMs) {
    std::vector<double> late;
    QElapsedTimer clock, total;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(5);
    QObject::connect(&timer, &QTimer::timeout, [&] {
        late.push_back(std::max(0.0, double(clock.nsecsElapsed()) / 1e6 - 5.0));
        clock.restart();
    });
    start();
    total.start();
    clock.start();
    timer.start();
    while (!done() || total.elapsed() < minMs)
        QApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    timer.stop();
    return stats(late);
}

Result<std::string> benchModel(const std::string& requested) {
    if (!requested.empty()) return requested;
    const std::string bundled = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default";
    if (std::filesystem::exists(bundled + "/config.json")) return bundled;
    // Before the default model is bundled: its recipe's shape with random weights (speed does not
    // depend on the weights).
    const std::string recipe = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/recipes/default.json";
    std::ifstream in(recipe);
    std::stringstream ss;
    ss << in.rdbuf();
    auto t = parseTrainConfig(ss.str(), recipe);
    if (!t) return t.error();
    const auto dir = std::filesystem::temp_directory_path() / "sinkscope-bench-default-shape";
    if (!std::filesystem::exists(dir / "model.safetensors"))
        if (auto s = writeRandomCheckpoint(dir.string(), t->modelConfig(4096, 1, 2), 1); !s) return s.error();
    return dir.string();
}

QString idsPrompt(int T, int vocab, int seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::uniform_int_distribution<int> dist(3, vocab - 1);
    QStringList ids{"1"};
    for (int i = 1; i < T; ++i)
        ids << QString::number(dist(rng));
    return "ids: " + ids.join(", ");
}

int benchWindow(const std::string& model, int T, int toggles) {
    fmt::print("\ndesktop window on {} ({}-token prompt)\n", model, T);
    gui::MainWindow w(QString::fromStdString(model), idsPrompt(T, 4096, 3));
    w.maxNewTokens()->setValue(0);
    w.show();
    QSignalSpy shown(&w, &gui::MainWindow::runShown);
    QSignalSpy failed(&w, &gui::MainWindow::runFailed);
    if (!shown.wait(120000)) {
        fmt::print("  the first run did not finish: {}\n",
                   failed.isEmpty() ? "timeout" : failed.first().first().toString().toStdString());
        return 1;
    }

    // Toggle -> updated panel, end to end (includes the 60 ms debounce that coalesces slider drags).
    std::vector<double> toggle, full, worker;
    QCheckBox* suppress = w.interventions()->suppressBox();
    for (int i = 0; i < toggles; ++i) {
        QElapsedTimer t;
        t.start();
        suppress->setChecked(!suppress->isChecked());
        if (!shown.wait(60000)) return 1;
        toggle.push_back(double(t.nsecsElapsed()) / 1e6);
        worker.push_back(w.lastRun()->milliseconds);
        // Baseline: a prompt edit, which recomputes everything (no prefix to reuse).
        t.restart();
        w.promptEdit()->setPlainText(idsPrompt(T, 4096, 100 + i));
        w.requestRun();
        if (!shown.wait(60000)) return 1;
        full.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    const Stats a = stats(toggle), b = stats(full);
    fmt::print(
        "  toggle suppression -> output panel updated: median {:.1f} ms (p95 {:.1f}) incl. 60 ms debounce\n",
        a.median, a.p95);
    fmt::print(
        "  of which in the engine worker (prepared prompt, interventions, metrics): median {:.1f} ms\n",
        stats(worker).median);
    fmt::print("  prompt edit -> full run shown (baseline):  median {:.1f} ms (p95 {:.1f})\n", b.median,
               b.p95);

    // Event-loop latency: idle, then while a long generation runs in the worker.
    const Stats idle = loopLatency([] {}, [] { return true; }, 1000);
    bool finished = false;
    QObject::connect(&w, &gui::MainWindow::runShown, [&] { finished = true; });
    const Stats busy = loopLatency(
        [&] {
            w.maxNewTokens()->setValue(300);
            w.requestRun();
        },
        [&] { return finished; }, 0);
    fmt::print("  event-loop lateness of a 5 ms timer, idle:                 median {:.2f} ms, p95 {:.2f}, "
               "max {:.2f}\n",
               idle.median, idle.p95, idle.max);
    fmt::print("  event-loop lateness during a 300-token generation:          median {:.2f} ms, p95 {:.2f}, "
               "max {:.2f}\n",
               busy.median, busy.p95, busy.max);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    gui::ensurePassiveThreadWaits(argv); // as the app does
    QApplication app(argc, argv);
    CLI::App cli{"SinkScope desktop benchmarks (run under xvfb-run, QT_QPA_PLATFORM=xcb)"};
    std::string model;
    std::int64_t mapSize = 8192;
    int frames = 120, tokens = 256, toggles = 7, width = 1200, height = 900;
    // The canvas's size in the default 1280 x 800 window layout, then a large (full-screen) canvas.
    cli.add_option("--model", model, "model for the window figures (default: the bundled model)");
    cli.add_option("--map", mapSize, "heatmap side in tokens")->check(CLI::Range(16, 16384));
    cli.add_option("--frames", frames, "frames per canvas (multiple of 4)")->check(CLI::Range(8, 10000));
    cli.add_option("--tokens", tokens, "prompt tokens for the window figures")->check(CLI::Range(2, 4096));
    cli.add_option("--toggles", toggles, "toggles timed")->check(CLI::Range(1, 1000));
    cli.add_option("--width", width, "large canvas width, pixels")->check(CLI::Range(200, 4000));
    cli.add_option("--height", height, "large canvas height, pixels")->check(CLI::Range(200, 4000));
    bool heatmapOnly = false;
    cli.add_flag("--heatmap-only", heatmapOnly, "only the canvas figures");
    CLI11_PARSE(cli, argc, argv);
    if (QGuiApplication::platformName() != "xcb") {
        fmt::print(
            stderr,
            "bench_gui: needs an X display (xvfb-run -a ... with QT_QPA_PLATFORM=xcb), platform is {}\n",
            QGuiApplication::platformName().toStdString());
        return 2;
    }
    QCoreApplication::setOrganizationName("SinkScopeBench"); // keeps the user's settings untouched
    benchHeatmap(mapSize, frames - frames % 4, 540, 640);
    benchHeatmap(mapSize, frames - frames % 4, width, height);
    if (heatmapOnly) return 0;
    auto m = benchModel(model);
    if (!m) {
        fmt::print(stderr, "bench_gui: {}\n", m.error().message);
        return 1;
    }
    return benchWindow(*m, tokens, toggles);
}

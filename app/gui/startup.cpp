#include "startup.h"

#include "classroom.h"
#include "core/atomic_file.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "side_by_side.h"
#include "timeline_dock.h"

#include <QApplication>
#include <QBuffer>
#include <QDockWidget>
#include <QScreen>
#include <QTimer>
#include <cstdio>

namespace sinkscope::gui {

namespace {

void quitWith(int code) {
    // Queued: exit() before app.exec() started would be lost.
    QTimer::singleShot(0, qApp, [code] { QCoreApplication::exit(code); });
}

void takeScreenshotWhenSettled(MainWindow& window, const QString& path, int timeoutMs) {
    // A result can trigger further runs (a classroom scenario, the intervened pass), so wait until
    // the window has been idle for a moment after the last one before grabbing it.
    auto* settle = new QTimer(&window);
    settle->setSingleShot(true);
    settle->setInterval(800);
    QObject::connect(&window, &MainWindow::runShown, settle, qOverload<>(&QTimer::start));
    QObject::connect(settle, &QTimer::timeout, &window, [&window, settle, path] {
        if (window.busy()) {
            settle->start();
            return;
        }
        // From the screen: QWidget::grab() cannot see the heatmap's own OpenGL window.
        const QPixmap shot = window.screen()->grabWindow(window.winId());
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        if (shot.isNull() || !shot.save(&buffer, "PNG")) {
            std::fprintf(stderr, "sinkscope: cannot take the screenshot %s\n", qPrintable(path));
            quitWith(1);
            return;
        }
        if (auto st = writeFileAtomically(
                path.toStdString(), std::string_view(png.constData(), static_cast<std::size_t>(png.size())));
            !st) {
            std::fprintf(stderr, "sinkscope: %s\n", st.error().message.c_str());
            quitWith(1);
            return;
        }
        std::fprintf(stderr, "sinkscope: screenshot %s (%dx%d)\n", qPrintable(path), shot.width(),
                     shot.height());
        quitWith(0);
    });
    QObject::connect(&window, &MainWindow::runFailed, &window, [](const QString& message) {
        std::fprintf(stderr, "sinkscope: no screenshot, the run failed: %s\n", qPrintable(message));
        quitWith(1);
    });
    QTimer::singleShot(timeoutMs, &window, [timeoutMs] {
        std::fprintf(stderr, "sinkscope: no result within %d s, no screenshot\n", timeoutMs / 1000);
        quitWith(2);
    });
}

} // namespace

QStringList startupPanels() {
    return {"runs", "timeline", "channels", "ctr", "span", "mechanism", "sweep", "image", "metrics"};
}

void applyStartup(MainWindow& window, const StartupOptions& options) {
    if (options.size.isValid()) {
        window.resize(options.size);
        if (window.size() != options.size)
            std::fprintf(stderr, "sinkscope: the window is %dx%d, its panels do not fit in %dx%d\n",
                         window.width(), window.height(), options.size.width(), options.size.height());
    }
    if (!options.screenshot.isEmpty()) {
        // A screenshot run is not the user at work: its size and panels are not remembered.
        window.setPersistLayout(false);
        takeScreenshotWhenSettled(window, options.screenshot, options.timeoutMs);
    }
    if (!options.intervention.isEmpty()) window.interventions()->setCustomSpec(options.intervention);
    if (options.diff) window.setShowDiff(true);
    if (options.beside == "intervened")
        window.sideBySide()->showBaseAndIntervened();
    else if (!options.beside.isEmpty())
        window.compareWithModel(options.beside);
    if (!options.sweep.isEmpty()) window.openSweep(options.sweep);
    if (!options.image.isEmpty()) window.openPicture(options.image);
    if (!options.timelineVersus.isEmpty()) window.showTrainingTimeline(options.timelineVersus);
    if (!options.panel.isEmpty())
        if (auto* dock = window.findChild<QDockWidget*>(options.panel + "Dock")) {
            dock->show();
            dock->raise();
        }
    if (options.classroom > 0) {
        Classroom* c = window.classroom();
        c->enter();
        c->go(options.classroom - 1);
        // The screenshot shows what a screen of that size shows.
        if (options.size.isValid()) c->fitToHeight(options.size.height());
    }
}

} // namespace sinkscope::gui

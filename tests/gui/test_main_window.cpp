// The desktop window driven as a user would: it opens a model and runs the demo prompt by
// itself, a suppression toggle re-runs and changes the output, a long generation can be
// cancelled, the heatmap exports, a run saved while another program holds the trace file is
// kept and stored by Retry saving. Runs headless (offscreen platform).
#include "classroom.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "model_picker.h"
#include "runs_dock.h"
#include "views/head_grid.h"
#include "views/heatmap_canvas.h"
#include "views/token_strip.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QUrl>
#include <sqlite3.h>

using sinkscope::gui::MainWindow;
using sinkscope::gui::ModelPicker;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
} // namespace

// What the window shows on screen: QWidget::grab() cannot see the heatmap's own GL window.
QPixmap shot(QWidget& w) {
    return w.screen()->grabWindow(w.winId());
}

class MainWindowTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        // Settings of the tests go to Qt's test location and start empty, every run.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("SinkScopeTests");
        QSettings().clear();
    }
    void init() { QSettings().clear(); }

    // Run > Multiply in bf16 reloads the model with bf16 products (the CLI's --compute bf16), says so
    // next to the model, runs again with an output close to the float32 one, and is remembered.
    void bf16ComputeReloadsAndIsRemembered() {
        MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        QVERIFY(!w.lastRun()->alpha0.empty() && !w.lastRun()->alpha0[0].empty());
        const double f32 = w.lastRun()->alpha0[0][0];
        QAction* bf16 = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text().contains("bf16")) bf16 = a;
        QVERIFY(bf16 && bf16->isCheckable() && !bf16->isChecked());
        shown.clear();
        bf16->setChecked(true);
        QVERIFY(shown.wait(60000));
        QVERIFY(w.findChild<QLabel*>() != nullptr);
        bool labelled = false;
        for (QLabel* l : w.findChildren<QLabel*>())
            labelled = labelled || l->text().contains("bf16 products");
        QVERIFY(labelled);
        QVERIFY(!w.lastRun()->alpha0.empty());
        QVERIFY(std::abs(w.lastRun()->alpha0[0][0] - f32) < 0.05);
        QVERIFY(QSettings().value("engine/computeBf16").toBool());
    }

    // A prompt whose every map does not fit keeps the layers that do (alpha_0 still of every head,
    // equal to a full run's), fetches another layer's maps when it is shown, and a prompt that
    // cannot fit even one layer is refused with a dialog instead of freezing or being killed.
    void bigPromptKeepsWhatFitsAndFetchesOtherLayers() {
        QString ids = "ids: 1";
        for (int i = 1; i < 600; ++i)
            ids += QString(", %1").arg(20 + (i * 37) % 400);
        std::vector<std::vector<double>> full;
        {
            MainWindow w(kStories, ids);
            w.show();
            QSignalSpy shown(&w, &MainWindow::runShown);
            QVERIFY(shown.wait(60000));
            QVERIFY(w.lastRun()->hasLayer(4) && w.lastRun()->captureNote.empty());
            full = w.lastRun()->alpha0;
        }
        // Each layer's two [8, 600, 600] float32 copies are 23 MB; 120 MB keeps some of the five.
        struct Unset {
            ~Unset() { qunsetenv("SINKSCOPE_MEMORY_LIMIT"); }
        } unset;
        qputenv("SINKSCOPE_MEMORY_LIMIT", "120M");
        MainWindow w(kStories, ids);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const auto first = w.lastRun();
        QVERIFY2(first->layerCount >= 1 && first->layerCount < 5,
                 qPrintable(QString::number(first->layerCount)));
        QVERIFY(QString::fromStdString(first->captureNote).contains("choose a layer to fetch"));
        QCOMPARE(first->alpha0.size(), full.size());
        for (std::size_t l = 0; l < full.size(); ++l)
            for (std::size_t h = 0; h < full[l].size(); ++h)
                QVERIFY(std::abs(first->alpha0[l][h] - full[l][h]) < 1e-9);
        const int missing = first->hasLayer(4) ? 0 : 4;
        QVERIFY(!first->hasLayer(missing));
        w.selectHead(missing, 3);
        QVERIFY(shown.wait(60000));
        QVERIFY(w.lastRun()->hasLayer(missing));
        QVERIFY(w.lastRun()->map(false, missing, 3) != nullptr);
        QVERIFY(!QString::fromStdString(w.heatmap()->figure().title).contains("fetching"));

        qputenv("SINKSCOPE_MEMORY_LIMIT", "30M");
        QSignalSpy refused(&w, &MainWindow::runFailed);
        w.setPrompt(ids + ", 5");
        QVERIFY(refused.wait(60000));
        auto* box = w.findChild<QMessageBox*>("memoryRefusedDialog");
        QVERIFY(box != nullptr);
        QVERIFY2(box->text().contains("601-token prompt"), qPrintable(box->text()));
        box->close();
    }

    // A model that cannot be loaded leaves the loaded one in place, and the window says so: the
    // model label goes back to it rather than staying at "loading model…".
    void aFailedLoadKeepsTheLoadedModel() {
        MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        QSignalSpy failed(&w, &MainWindow::runFailed);
        w.loadModel("/etc/passwd");
        QVERIFY(failed.wait(60000));
        for (QLabel* l : w.findChildren<QLabel*>())
            QVERIFY2(!l->text().contains("loading model"), qPrintable(l->text()));
        QVERIFY2(w.errorShown().contains("/etc/passwd"), qPrintable(w.errorShown())); // in the banner
        shown.clear();
        w.setPrompt(kPrompt + ", 5");
        QVERIFY(shown.wait(60000)); // the loaded model still runs
        QCOMPARE(w.lastRun()->T, 14);
        QVERIFY(w.errorShown().isEmpty()); // a success clears the banner
    }

    // Layout rules a first-time user relies on: fresh settings show the prompt and interventions;
    // a 2,000-token prompt keeps the window on the screen and the heatmap usable (the token strip
    // scrolls inside a bounded height and follows the selected token); every panel is in
    // View > Panels and Reset layout brings a closed one back; classroom mode is never remembered.
    void layoutStaysUsableAndIsNeverTakenFromClassroom() {
        const QRect screen = QGuiApplication::primaryScreen()->availableGeometry();
        QString ids = "ids: 1";
        for (int i = 1; i < 2000; ++i)
            ids += QString(", %1").arg(20 + (i * 37) % 400);
        {
            MainWindow w(kStories, ids);
            w.show();
            QSignalSpy shown(&w, &MainWindow::runShown);
            QVERIFY(shown.wait(120000));
            QTest::qWait(50);
            auto* prompt = w.findChild<QDockWidget*>("promptDock");
            QVERIFY(prompt && prompt->isVisible() && !prompt->visibleRegion().isEmpty());
            QVERIFY2(w.frameGeometry().height() <= screen.height(), qPrintable(QString::number(w.height())));
            QVERIFY2(w.heatmap()->height() >= 300, qPrintable(QString::number(w.heatmap()->height())));
            auto* area = w.findChild<QScrollArea*>("tokenStripArea");
            QVERIFY(area != nullptr);
            QVERIFY(area->height() < 200);
            QVERIFY(area->verticalScrollBar()->maximum() > 0); // the rows scroll inside it
            const QSize before = w.size();
            w.interventions()->setCustomSpec("suppress");
            QVERIFY(shown.wait(120000));
            QCOMPARE(w.size(), before); // a toggle never resizes the window
            // Selecting the last token scrolls the strip to it.
            auto* strip = area->findChild<sinkscope::TokenStrip*>();
            QVERIFY(strip != nullptr);
            strip->select(1999);
            QVERIFY(area->verticalScrollBar()->value() > 0);

            QMenu* panels = nullptr;
            for (QMenu* m : w.findChildren<QMenu*>())
                if (m->title() == "&Panels") panels = m;
            QVERIFY(panels != nullptr);
            for (QDockWidget* d : w.findChildren<QDockWidget*>()) {
                bool listed = false;
                for (QAction* a : panels->actions())
                    listed = listed || a == d->toggleViewAction();
                QVERIFY2(listed, qPrintable(d->windowTitle()));
            }
            prompt->close();
            QVERIFY(!prompt->isVisible());
            w.resetLayout();
            QVERIFY(prompt->isVisible());
        }
        QSettings().remove("window"); // the next window opens with a short prompt as configured
        const QPalette palette = QApplication::palette();
        const QFont font = QApplication::font();
        {
            MainWindow w(kStories, kPrompt);
            w.show();
            QSignalSpy shown(&w, &MainWindow::runShown);
            QVERIFY(shown.wait(60000));
            w.classroom()->enter();
            QTest::qWait(50);
        } // closed in classroom mode
        QApplication::setPalette(
            palette); // classroom's look is the application's; the next tests need theirs
        QApplication::setFont(font);
        QVERIFY(QSettings().value("window/state").toByteArray().isEmpty());
        // A remembered size bigger than the screen is fitted to it.
        {
            MainWindow w(kStories, kPrompt);
            w.resize(screen.width() + 600, screen.height() + 400);
            w.show();
            w.fitToScreen();
            QVERIFY(w.frameGeometry().width() <= screen.width() &&
                    w.frameGeometry().height() <= screen.height());
        }
    }

    // The map and the grid say what they show: model, head, base / intervened / difference and the
    // intervention; under an intervention the grid's colours are the intervened alpha_0 while its
    // frames stay on the unmodified run's sink heads.
    void captionsSayWhatIsShown() {
        MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        auto title = [&] { return QString::fromStdString(w.heatmap()->figure().title); };
        QVERIFY2(title().contains("stories260K.bin") && title().contains("base run"), qPrintable(title()));
        QVERIFY(!w.gridCaption()->text().contains("intervened"));
        // The maps are shared, not copied: without interventions the shown maps are the base
        // buffer, and every run of one prompt shares that buffer.
        const auto first = w.lastRun();
        QVERIFY(first->attention && first->attention == first->baseAttention);
        w.interventions()->setCustomSpec("suppress");
        QVERIFY(shown.wait(60000));
        QVERIFY(w.lastRun()->baseAttention == first->baseAttention);
        QVERIFY(w.lastRun()->attention != first->baseAttention);
        QVERIFY2(title().contains("intervened: suppress"), qPrintable(title()));
        QVERIFY2(w.gridCaption()->text().contains("intervened"), qPrintable(w.gridCaption()->text()));
        const auto& base = w.lastRun()->baseAlpha0;
        int framed = 0;
        for (int l = 0; l < static_cast<int>(base.size()); ++l)
            for (int h = 0; h < static_cast<int>(base[0].size()); ++h) {
                const bool sink = base[std::size_t(l)][std::size_t(h)] > 0.3;
                QCOMPARE(w.headGrid()->framed(l, h), sink);
                framed += sink;
            }
        QVERIFY(w.headGrid()->values() == w.lastRun()->alpha0);
        // A fixed 0-1 colour range, so that maps compare by colour (export --range 0,1).
        auto* fixed = w.findChild<QCheckBox*>("fixedRange");
        QVERIFY(fixed && !fixed->toolTip().isEmpty());
        QVERIFY(std::isnan(w.heatmap()->figure().vmax));
        fixed->setChecked(true);
        QCOMPARE(w.heatmap()->figure().vmin, 0.0);
        QCOMPARE(w.heatmap()->figure().vmax, 1.0);
        w.setShowDiff(true);
        QVERIFY2(title().contains("difference: intervened − base (suppress)"), qPrintable(title()));
        Q_UNUSED(framed);
    }

    // Guidance: every control of the intervention panel has a tooltip; StreamingLLM's window follows
    // the prompt until chosen, so turning it on evicts tokens; a cache that never fills says why.
    void controlsExplainThemselvesAndStreamingActsOnThePrompt() {
        MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        for (QWidget* c : w.interventions()->findChildren<QWidget*>())
            if (qobject_cast<QAbstractSpinBox*>(c->parentWidget()) ||
                qobject_cast<QComboBox*>(c->parentWidget()))
                continue; // the editor inside a spin box or combo box
            else if (qobject_cast<QAbstractButton*>(c) || qobject_cast<QAbstractSpinBox*>(c) ||
                     qobject_cast<QComboBox*>(c) || qobject_cast<QLineEdit*>(c))
                QVERIFY2(!c->toolTip().isEmpty(), qPrintable(c->metaObject()->className()));
        QCOMPARE(w.interventions()->streamWindowBox()->value(), 6); // half of the 13-token prompt
        w.interventions()->setCustomSpec("stream:sinks=4,window=64");
        QVERIFY(shown.wait(60000));
        QVERIFY(w.runNotes()->isVisible());
        QVERIFY2(w.runNotes()->text().contains("StreamingLLM changes nothing here"),
                 qPrintable(w.runNotes()->text()));
        w.interventions()->setCustomSpec("stream:sinks=4,window=6");
        QVERIFY(shown.wait(60000));
        QVERIFY(!w.runNotes()->text().contains("StreamingLLM"));
    }

    // Help > Getting started opens a page on the four core tasks (once, however often it is asked for).
    void gettingStartedWalksThroughTheCoreTasks() {
        MainWindow w(kStories, kPrompt);
        QAction* start = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text() == "&Getting started") start = a;
        QVERIFY(start != nullptr);
        start->trigger();
        start->trigger();
        QCOMPARE(w.findChildren<QDialog*>("gettingStarted").size(), 1);
        auto* text = w.findChild<QDialog*>("gettingStarted")->findChild<QTextBrowser*>();
        QVERIFY(text != nullptr);
        for (const char* task : {"See where attention goes", "Change the sink", "Keep runs", "Teach it"})
            QVERIFY2(text->toPlainText().contains(task), task);
    }

    // Hovering a token on the strip previews the attention it gives (its row of the shown head);
    // leaving the strip goes back to the selected query.
    void hoveringATokenPreviewsItsAttention() {
        MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        auto* strip = w.findChild<sinkscope::TokenStrip*>();
        QVERIFY(strip != nullptr);
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const auto [layer, head] = w.currentHead();
        const auto row = [&](int q) {
            const float* m = w.lastRun()->map(true, layer, head);
            return std::vector<float>(m + q * w.lastRun()->T, m + (q + 1) * w.lastRun()->T);
        };
        strip->select(9);
        QCOMPARE(strip->given(), row(9));
        QTest::mouseMove(strip, strip->chipRect(4).center().toPoint());
        QTRY_COMPARE(strip->hovered(), 4);
        QCOMPARE(strip->given(), row(4));
        QEvent leave(QEvent::Leave);
        QApplication::sendEvent(strip, &leave);
        QCOMPARE(strip->hovered(), -1);
        QCOMPARE(strip->given(), row(9));
    }

    void opensTheModelAndRunsTheDemoPrompt() {
        MainWindow w(kStories, kPrompt);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        QVERIFY(w.lastRun());
        QCOMPARE(w.lastRun()->T, 13);
        QVERIFY(!w.outputTable()->item(0, 0)->text().isEmpty());
        QVERIFY(w.heatmap()->figure().rows > 0);
        QCOMPARE(w.lastRun()->hiddenNorms.size(), std::size_t(6)); // states 0..5 of stories260K
        QCOMPARE(w.lastRun()->hiddenNorms[0].size(), std::size_t(13));
        // Key/value norms: one series per layer, one value per token, all positive.
        QCOMPARE(w.lastRun()->keyNorms.size(), std::size_t(5));
        QCOMPARE(w.lastRun()->valueNorms[4].size(), std::size_t(13));
        for (const auto& layer : w.lastRun()->keyNorms)
            for (float k : layer)
                QVERIFY(k > 0.0f && std::isfinite(k));
        QVERIFY(w.lastRun()->sinkRate >= 0.0 && w.lastRun()->sinkRate <= 100.0);
        QTest::qWait(50); // let the layout settle (the token strip wraps to its rows)
        if (qEnvironmentVariableIsSet("SINKSCOPE_SCREENSHOT_DIR")) {
            const QString dir = qEnvironmentVariable("SINKSCOPE_SCREENSHOT_DIR");
            shot(w).save(dir + "/main_window.png");
            w.findChild<QDockWidget*>("metricsDock")->raise();
            QTest::qWait(50);
            shot(w).save(dir + "/metrics_panel.png");
        }
    }

    void suppressionChangesTheOutputLive() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const auto base = w.lastRun();
        QCOMPARE(base->effect.kl, 0.0);
        w.interventions()->suppressBox()->setChecked(true);
        QVERIFY(shown.wait(60000));
        const auto after = w.lastRun();
        QVERIFY(after->effect.kl > 1e-3);
        QVERIFY(after->effect.intervenedTop.front().id != after->effect.baseTop.front().id ||
                after->effect.intervenedTop.front().prob != after->effect.baseTop.front().prob);
        QVERIFY(*after->attention != *after->baseAttention);
        QCOMPARE(after->interventions.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(after->interventions.front()), QString("suppress"));
        // alpha_0 after suppression is 1/T in every head (only row 0 keeps its sink).
        QVERIFY(std::abs(after->alpha0[2][3] - 1.0 / 13.0) < 1e-6);
    }

    void colourControlsReachTheHeatmap() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        w.findChild<QComboBox*>("colormap")->setCurrentText("magma");
        w.findChild<QComboBox*>("scale")->setCurrentText("log");
        QCOMPARE(w.heatmap()->figure().colormap, sinkscope::Colormap::Magma);
        QCOMPARE(w.heatmap()->figure().scale, sinkscope::MapScale::Log);
        w.setShowDiff(true); // a difference always uses the diverging map
        QCOMPARE(w.heatmap()->figure().colormap, sinkscope::Colormap::Diverging);
        // Probabilities ride along the top-k cells for the bars.
        QVERIFY(w.outputTable()->item(0, 0)->data(Qt::UserRole).toDouble() > 0.0);
    }

    void aLongGenerationCanBeCancelled() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        w.findChild<QSpinBox*>()->setValue(4000);
        w.requestRun();
        QTest::qWait(200);
        w.cancelRun();
        QVERIFY(shown.wait(60000));
        QVERIFY(w.lastRun()->generatedBase.size() < 4000 * 3); // stopped well before 4000 tokens
    }

    void exportsTheHeatmap() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        QTemporaryDir dir;
        for (const char* name : {"map.png", "map.svg"}) {
            const QString path = dir.filePath(name);
            QVERIFY(w.exportHeatmap(path));
            QVERIFY(QFile(path).size() > 1000);
        }
    }

    void exportsHeadGridAndNormPlot() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        QTemporaryDir dir;
        for (const char* name : {"heads.png", "heads.pdf", "norms.svg", "norms.png"}) {
            const QString path = dir.filePath(name);
            const bool ok =
                QString(name).startsWith("heads") ? w.exportHeadGridTo(path) : w.exportNormPlotTo(path);
            QVERIFY2(ok, name);
            QVERIFY2(QFile(path).size() > 500, name);
        }
        // Drawn at the figure's own size, not grabbed from the panel: wide enough for a slide.
        QVERIFY(QImage(dir.filePath("norms.png")).width() >= 1200);
        QVERIFY(!w.exportNormPlotTo(dir.filePath("norms.bmp"))); // unknown type: refused, nothing written
        QVERIFY(!QFile::exists(dir.filePath("norms.bmp")));
    }

    void keepsARunTheTraceFileWasTooBusyToTakeAndRetries() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        auto* runs = w.findChild<sinkscope::gui::RunsDock*>();
        QVERIFY(runs);
        QPushButton* retry = nullptr;
        for (auto* b : runs->findChildren<QPushButton*>())
            if (b->text() == "Retry saving") retry = b;
        QVERIFY(retry && retry->isHidden());
        QTemporaryDir dir;
        const QString path = dir.filePath("runs.sqlite");
        QSignalSpy listed(runs, &sinkscope::gui::RunsDock::listChanged);
        runs->openTrace(path, true);
        QVERIFY(listed.wait(10000));
        QVERIFY(runs->runs().empty());

        // Another program holds the file's write lock: the save computes the run, waits for the
        // file and says so; Esc stops the wait, and the run is kept.
        sqlite3* other = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &other), SQLITE_OK);
        QCOMPARE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        runs->saveCurrentRun();
        QTRY_VERIFY_WITH_TIMEOUT(w.statusBar()->currentMessage().contains("waiting for another program"),
                                 30000);
        w.cancelRun();
        QTRY_VERIFY_WITH_TIMEOUT(!retry->isHidden(), 10000);
        QVERIFY(w.statusBar()->currentMessage().contains("the file is busy"));
        QVERIFY(runs->runs().empty());

        // Once the file is free, Retry saving stores the kept run without running the model again.
        QCOMPARE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(other);
        retry->click();
        QTRY_COMPARE_WITH_TIMEOUT(runs->runs().size(), std::size_t(1), 30000);
        QVERIFY(retry->isHidden());
        QCOMPARE(runs->runs().front().tokens, std::int64_t(13));
    }

    void classroomStepsThroughScenariosAndRestores() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        auto* classroom = w.classroom();
        classroom->enter();
        QVERIFY(classroom->active());
        QVERIFY(shown.wait(60000)); // scenario 1 runs the story prompt
        // Scenario 1 opens the head with the largest alpha_0.
        const auto run = w.lastRun();
        double best = 0;
        for (const auto& layer : run->alpha0)
            for (double a : layer)
                best = std::max(best, a);
        QCOMPARE(run->alpha0[std::size_t(w.currentHead().first)][std::size_t(w.currentHead().second)], best);
        QTest::keyClick(&w, Qt::Key_PageDown); // 2: suppression, diff view
        QCOMPARE(classroom->current(), 1);
        QVERIFY(w.interventions()->suppressBox()->isChecked());
        QVERIFY(w.findChild<QCheckBox*>("showDiff")->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(!w.busy() && w.lastRun()->effect.kl > 1e-3, 60000);
        QTest::keyClick(&w, Qt::Key_PageDown); // 3: streaming without sinks
        QTRY_VERIFY_WITH_TIMEOUT(!w.busy() && !w.lastRun()->interventions.empty() &&
                                     w.lastRun()->interventions.front().rfind("stream:sinks=0", 0) == 0,
                                 60000);
        if (qEnvironmentVariableIsSet("SINKSCOPE_SCREENSHOT_DIR"))
            shot(w).save(qEnvironmentVariable("SINKSCOPE_SCREENSHOT_DIR") + "/classroom.png");
        classroom->leave();
        QVERIFY(!classroom->active());
        QVERIFY(!w.interventions()->suppressBox()->isChecked());
        QCOMPARE(w.promptEdit()->toPlainText(), kPrompt);
    }

    // A 1280x720 projector: full screen cannot be taller than the screen, so the classroom type
    // steps down until the window's minimum height fits, never below the ordinary type.
    void classroomTypeFitsA720LineScreen() {
        MainWindow w(QString(SINKSCOPE_SOURCE_DIR) + "/assets/models/default", kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const double ordinary = QApplication::font().pointSizeF();
        auto* classroom = w.classroom();
        classroom->enter();
        QVERIFY(shown.wait(60000));
        const double large = QApplication::font().pointSizeF();
        QVERIFY(large > ordinary);
        classroom->fitToHeight(720);
        w.showNormal(); // a projector's width too: a narrower output column wraps its labels more
        w.resize(1280, 720);
        auto* output = w.findChild<QDockWidget*>("outputDock");
        auto* timeline = w.findChild<QDockWidget*>("timelineDock");
        QVERIFY(output && timeline);
        // The story's token strip; StreamingLLM, whose long intervention name wraps the head grid's
        // caption over four lines; the training timeline in the output column's place; two maps
        // side by side with the output column back.
        for (int scenario : {0, 3, 4, 5}) {
            classroom->go(scenario);
            QTRY_VERIFY_WITH_TIMEOUT(!w.busy(), 60000);
            QTRY_VERIFY_WITH_TIMEOUT(w.minimumSizeHint().height() <= 720, 10000);
            QCOMPARE(output->isVisible(), scenario != 4);
            QCOMPARE(timeline->isVisible(), scenario == 4);
            if (scenario != 4) { // every layer's row stays a line of text tall
                QTRY_VERIFY_WITH_TIMEOUT(w.headGrid()->height() >= w.headGrid()->minimumSizeHint().height(),
                                         10000);
            }
        }
        QVERIFY(QApplication::font().pointSizeF() < large);
        QVERIFY(QApplication::font().pointSizeF() >= ordinary);
        classroom->leave();
        QCOMPARE(QApplication::font().pointSizeF(), ordinary);
    }

    void remembersRecentModelsAndOpensDroppedOnes() {
        {
            MainWindow w(kStories, kPrompt);
            QSignalSpy shown(&w, &MainWindow::runShown);
            QVERIFY(shown.wait(60000));
        }
        QCOMPARE(QSettings().value("model/recent").toStringList().value(0), kStories);
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(kStories)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY(shown.wait(60000)); // the dropped model was loaded and the prompt re-run
        QMimeData text;
        text.setText("not a model");
        QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        refused.setAccepted(false);
        QApplication::sendEvent(&w, &refused);
        QVERIFY(!refused.isAccepted());
    }

    void modelPickerListsWhatItCanOpenAndWhy() {
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("bert-base");
        QFile config(dir.filePath("bert-base/config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"model_type": "bert", "hidden_size": 8})");
        config.close();
        ModelPicker picker;
        picker.addFolder(QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K");
        picker.addFolder(dir.path());
        QCOMPARE(QSettings().value("models/dirs").toStringList().size(), 2); // persisted
        int stories = -1, bert = -1;
        for (int r = 0; r < picker.table()->rowCount(); ++r) {
            const QString name = picker.table()->item(r, 0)->text();
            if (name.contains("stories260K")) stories = r;
            if (name.contains("bert-base")) bert = r;
        }
        QVERIFY(stories >= 0 && bert >= 0);
        QVERIFY(picker.table()->item(bert, 3)->text().contains("bert"));
        // Why not, where the features would be: a config without weights.
        QVERIFY(
            picker.table()->item(bert, ModelPicker::kFeatures)->text().contains("neither model.safetensors"));
        picker.table()->selectRow(bert);
        picker.accept();
        QVERIFY(picker.chosenPath().isEmpty()); // refused: unsupported
        picker.table()->selectRow(stories);
        picker.accept();
        QVERIFY(picker.chosenPath().endsWith("stories260K.bin"));
    }
};

QTEST_MAIN(MainWindowTest)
#include "test_main_window.moc"

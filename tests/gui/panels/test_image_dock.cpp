// The Picture panel on a LLaVA model: File > Open picture puts the picture at the prompt's <image>,
// the run shows its block as labelled patches, and the overlay of a query's attention over the
// patches is the engine's own attention (a separate forward pass over the same picture), in the
// selected head, the layer mean and the image-centric heads (spanHeadScore with the visual sinks);
// the VAR button runs var:p=0.6; Export writes the figure. A text-only model refuses a picture.
#include "gui_test_registry.h"
#include "image_dock.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "metrics/span_heads.h"
#include "model/image_input.h"
#include "session/capture.h"
#include "session/image_prompt.h"
#include "session/trace_run.h"
#include "stored_run.h"
#include "trace/trace_store.h"
#include "views/image_overlay_view.h"
#include "views/token_strip.h"

#include <QImage>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using sinkscope::gui::ImageDock;
using sinkscope::gui::MainWindow;

namespace {
const QString kModel = QString(SINKSCOPE_TEST_DATA_DIR) + "/models/tiny_llava";
const QString kPicture = QString(SINKSCOPE_TEST_DATA_DIR) + "/images/palette_37x23.png";
} // namespace

class ImageDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void pictureOverlayIsTheEnginesAttention() {
        MainWindow w(kModel, "USER: What is it?"); // the picture goes first: <image> and a new line
        w.resize(1400, 900);
        w.show();
        QSignalSpy ran(&w, &MainWindow::runShown);
        QVERIFY(ran.wait(60000)); // text only
        auto* dock = w.findChild<ImageDock*>();
        QVERIFY(dock);
        ran.clear();
        w.openPicture(kPicture);
        QVERIFY(ran.wait(60000));
        const auto run = w.lastRun();
        QVERIFY(run && run->image);
        const auto& img = *run->image;
        QCOMPARE(img.last - img.first + 1, 16);
        QCOMPARE(img.first, 1); // after BOS
        QCOMPARE(QString::fromStdString(run->tokens[17]), QString("\n"));
        QCOMPARE(QString::fromStdString(run->tokens[static_cast<std::size_t>(img.first + 5)]),
                 QString("img 1,1"));
        QVERIFY(dock->view()->hasPicture());

        // The same prompt and picture through the engine.
        auto model = sinkscope::Model::load(kModel.toStdString());
        QVERIFY(model.ok());
        auto picture = sinkscope::loadPromptImage(**model, kModel.toStdString(), kPicture.toStdString());
        QVERIFY(picture.ok());
        sinkscope::AttentionRecorder maps((*model)->config().nLayers, (*model)->config().nHeads);
        QVERIFY(sinkscope::forwardWithImage(**model, run->ids, picture->embeddings, &maps).ok());
        const auto T = run->T, q = T - 1;
        const std::int64_t start = img.first + img.leadingTokens;

        w.selectHead(1, 2);
        dock->setHeads(ImageDock::Heads::Selected);
        auto f = dock->currentFigure();
        QCOMPARE(f.gridRows, 4);
        QCOMPARE(f.values.size(), std::size_t{16});
        const auto a = maps.matrix(1, 2, T);
        for (std::size_t p = 0; p < 16; ++p)
            QVERIFY(std::abs(f.values[p] - a[static_cast<std::size_t>(q * T + start) + p]) < 1e-6);

        dock->setHeads(ImageDock::Heads::LayerMean);
        f = dock->currentFigure();
        for (std::size_t p = 0; p < 16; ++p) {
            double mean = 0;
            for (int h = 0; h < run->heads; ++h)
                mean += maps.matrix(1, h, T)[static_cast<std::size_t>(q * T + start) + p] / run->heads;
            QVERIFY(std::abs(f.values[p] - mean) < 1e-6);
        }

        // Image-centric heads: the engine's head score with BOS and the layer's visual sinks.
        auto visual = sinkscope::measureVisualSinks(**model, run->ids, picture->embeddings);
        QVERIFY(visual.ok());
        for (int l = 0; l < run->layers; ++l) {
            std::vector<int> expected;
            for (int h = 0; h < run->heads; ++h) {
                const auto m = maps.matrix(l, h, T);
                const sinkscope::MatrixView v{m.data(), T, T, T, 0, 0};
                if (sinkscope::spanHeadScore(v, img.first, img.last,
                                             visual->layers[static_cast<std::size_t>(l)])
                        .selected)
                    expected.push_back(h);
            }
            QCOMPARE(dock->imageCentricHeads(l), expected);
            QCOMPARE(
                img.visualSinks[static_cast<std::size_t>(l)],
                sinkscope::imageSinkTokens(visual->layers[static_cast<std::size_t>(l)], img.first, img.last));
        }

        // A token clicked on the strip becomes the query when it reads the picture.
        auto* strip = w.tokenStrip();
        Q_EMIT strip->tokenSelected(static_cast<int>(T - 3));
        QCOMPARE(dock->query(), T - 3);
        Q_EMIT strip->tokenSelected(static_cast<int>(img.first + 2)); // an image token: the query stays
        QCOMPARE(dock->query(), T - 3);
        dock->setQuery(q);

        QTemporaryDir tmp;
        QVERIFY(dock->exportFigure(tmp.filePath("overlay.png")));
        QVERIFY(!QImage(tmp.filePath("overlay.png")).isNull());

        // VAR from the panel: the run under var:p=0.6 changes the next-token distribution.
        ran.clear();
        for (auto* b : dock->findChildren<QPushButton*>())
            if (b->text() == "VAR") b->click();
        QVERIFY(ran.wait(60000));
        QVERIFY(w.lastRun()->effect.kl > 0);
        QCOMPARE(w.lastRun()->interventions, (std::vector<std::string>{"var:p=0.6"}));
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty())
            dock->grab().save(shots + "/image_dock.png");

        // Traced, the run shows its picture again without the model: the thumbnail, the block,
        // the grid and the visual sinks come from the trace.
        sinkscope::TraceRunOptions t;
        t.modelPath = kModel.toStdString();
        t.image = &*picture;
        auto store = sinkscope::TraceStore::open(tmp.filePath("t.sqlite").toStdString(), true);
        QVERIFY(store.ok());
        auto traced = sinkscope::traceRuns(**model, run->ids, {}, t, **store);
        QVERIFY2(traced.ok(), traced.ok() ? "" : traced.error().message.c_str());
        auto stored = sinkscope::gui::loadStoredRun(**store, traced->front().id);
        QVERIFY2(stored.ok(), stored.ok() ? "" : stored.error().message.c_str());
        const auto& back = **stored;
        QVERIFY(back.image);
        QCOMPARE(back.image->first, img.first);
        QCOMPARE(back.image->gridCols, 4);
        QCOMPARE(back.image->visualSinks, img.visualSinks);
        QCOMPARE(back.image->picture->width, img.picture->width); // 32 px: below the thumbnail side
        QCOMPARE(back.image->picture->rgb, img.picture->rgb);
        QCOMPARE(QString::fromStdString(back.tokens[static_cast<std::size_t>(img.first + 5)]),
                 QString("img 1,1"));
        dock->setRun(*stored);
        QVERIFY(dock->view()->hasPicture());
    }

    void aTextModelRefusesAPicture() {
        const QString stories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
        MainWindow w(stories, "ids: 1, 2, 3");
        w.show();
        QSignalSpy ran(&w, &MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        QSignalSpy failed(&w, &MainWindow::runFailed);
        w.openPicture(kPicture);
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(0).toString().contains("is a text-only model"),
                 qPrintable(failed.first().at(0).toString()));
    }
};

SINKSCOPE_GUI_TEST(ImageDockTest)
#include "test_image_dock.moc"

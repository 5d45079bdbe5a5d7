// The token strip shades what the selected token attends to: in the head shown, or averaged over
// its layer's heads (the "strip" choice under the map), which follows the layer shown.
#include "gui_test_registry.h"
#include "main_window.h"
#include "views/token_strip.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QTest>
#include <cmath>

using sinkscope::gui::MainWindow;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
} // namespace

class StripLayerMeanTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theStripShowsTheHeadOrTheLayerMean() {
        MainWindow w(kStories, kPrompt);
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const auto run = w.lastRun();
        const std::int64_t q = 6;
        w.selectHead(2, 3);
        w.tokenStrip()->select(static_cast<int>(q));
        w.stripSource()->setCurrentIndex(0);
        const float* one = run->map(true, 2, 3);
        QCOMPARE(w.tokenStrip()->given().size(), std::size_t(run->T));
        for (std::int64_t j = 0; j < run->T; ++j)
            QCOMPARE(w.tokenStrip()->given()[std::size_t(j)], one[q * run->T + j]);

        w.stripSource()->setCurrentIndex(1);
        for (int layer : {2, 4}) {
            w.selectHead(layer, 0);
            for (std::int64_t j = 0; j < run->T; ++j) {
                double mean = 0;
                for (int h = 0; h < run->heads; ++h)
                    mean += run->map(true, layer, h)[q * run->T + j];
                mean /= run->heads;
                QVERIFY2(std::abs(w.tokenStrip()->given()[std::size_t(j)] - mean) < 1e-6,
                         qPrintable(QString("layer %1 key %2").arg(layer).arg(j)));
            }
        }
        // A row of weights: the mean of rows that each sum to 1 sums to 1.
        double sum = 0;
        for (float g : w.tokenStrip()->given())
            sum += g;
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }
};

SINKSCOPE_GUI_TEST(StripLayerMeanTest)
#include "test_strip_layer_mean.moc"

// The window stays on its screen when a result arrives: a 768-pixel-high laptop screen got an
// 865-pixel window at the first run, its bottom (status bar, panel tabs) out of reach.
#include "gui_test_registry.h"
#include "main_window.h"

#include <QScreen>
#include <QSignalSpy>
#include <QTest>

using sinkscope::gui::MainWindow;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
const QString kPrompt = "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264";
} // namespace

class FitScreenTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aResultBringsAnOversizedWindowBackOntoTheScreen() {
        MainWindow w(kStories, kPrompt);
        w.setPersistLayout(false);
        w.show();
        QSignalSpy shown(&w, &MainWindow::runShown);
        QVERIFY(shown.wait(60000));
        const QRect avail = w.screen()->availableGeometry();
        w.resize(avail.width() + 300, avail.height() + 400); // as a bigger screen's layout would
        QVERIFY(w.height() > avail.height());
        w.requestRun();
        QVERIFY(shown.wait(60000));
        QVERIFY2(w.frameGeometry().height() <= avail.height() && w.frameGeometry().width() <= avail.width(),
                 qPrintable(QString("%1x%2 on a %3x%4 screen")
                                .arg(w.frameGeometry().width())
                                .arg(w.frameGeometry().height())
                                .arg(avail.width())
                                .arg(avail.height())));
        QVERIFY(avail.contains(w.frameGeometry()));
    }
};

SINKSCOPE_GUI_TEST(FitScreenTest)
#include "test_fit_screen.moc"

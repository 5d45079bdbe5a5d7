// Span marking: dragging across chips (or shift-clicking one) marks a span on the token strip; the
// span dock scores every head with the engine's spanHeadScore on the unmodified run, the same
// numbers as the CLI's golden file (`metrics --span 5-9`), lights the span-centric heads in the
// grid and puts the span into the intervention panel's SPEC, which re-runs with heads=span.
#include "gui_test_registry.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "span_dock.h"
#include "views/head_grid.h"
#include "views/token_strip.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>
#include <cmath>

using sinkscope::TokenStrip;
using sinkscope::gui::SpanDock;

namespace {
const QString kStories = QString(SINKSCOPE_SHARED_MODELS_DIR) + "/stories260K/stories260K.bin";
} // namespace

class SpanDockTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void draggingAcrossChipsMarksASpan() {
        TokenStrip strip;
        strip.resize(400, 60);
        strip.setTokens({"<s>", "Once", " upon", " a", " time", " there"}, {1, 2, 3, 4, 5, 6});
        strip.show();
        QVERIFY(QTest::qWaitForWindowExposed(&strip));
        QSignalSpy marked(&strip, &TokenStrip::spanMarked);
        QSignalSpy selected(&strip, &TokenStrip::tokenSelected);
        QTest::mousePress(&strip, Qt::LeftButton, {}, strip.chipRect(4).center().toPoint());
        QTest::mouseMove(&strip, strip.chipRect(3).center().toPoint());
        QTest::mouseMove(&strip, strip.chipRect(1).center().toPoint());
        QTest::mouseRelease(&strip, Qt::LeftButton, {}, strip.chipRect(1).center().toPoint());
        QCOMPARE(marked.count(), 1);
        QCOMPARE(marked.takeFirst(), (QList<QVariant>{1, 4}));
        QCOMPARE(strip.span(), (std::pair{1, 4}));
        // A plain click selects a query and leaves the span; shift-click marks one token.
        QTest::mouseClick(&strip, Qt::LeftButton, {}, strip.chipRect(5).center().toPoint());
        QCOMPARE(selected.last().at(0).toInt(), 5);
        QCOMPARE(strip.span(), (std::pair{1, 4}));
        QTest::mouseClick(&strip, Qt::LeftButton, Qt::ShiftModifier, strip.chipRect(2).center().toPoint());
        QCOMPARE(strip.span(), (std::pair{2, 2}));
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            strip.setSpan(1, 4);
            strip.grab().save(shots + "/span_strip.png");
        }
    }

    void scoresLightsAndIntervenesInSpanHeads() {
        const QJsonObject golden = sinkscope::test::beyondGolden();
        QVERIFY(!golden.isEmpty());
        const int first = golden["span"].toArray()[0].toInt(), last = golden["span"].toArray()[1].toInt();
        sinkscope::gui::MainWindow w(kStories, sinkscope::test::idsPrompt(golden));
        w.resize(1400, 900);
        w.show();
        QSignalSpy ran(&w, &sinkscope::gui::MainWindow::runShown);
        QVERIFY(ran.wait(60000));
        auto* dock = w.findChild<SpanDock*>();
        QVERIFY(dock);
        dock->raise();

        w.findChild<TokenStrip*>()->setSpan(first, last); // as a drag would
        QCOMPARE(dock->span(), (std::pair{first, last}));

        const QJsonArray expected = golden["span_heads"].toArray();
        std::set<std::pair<int, int>> selected;
        for (int l = 0; l < expected.size(); ++l)
            for (int h = 0; h < expected[l].toArray().size(); ++h) {
                const QJsonObject e = expected[l].toArray()[h].toObject();
                const auto& s = dock->scores()[static_cast<std::size_t>(l)][static_cast<std::size_t>(h)];
                QVERIFY(std::abs(s.mass - e["mass"].toDouble()) < 1e-4);
                QVERIFY(std::abs(s.ratio - e["ratio"].toDouble()) < 1e-4);
                if (e["mass"].toDouble() >= 0.2 && e["ratio"].toDouble() >= 0.6) selected.insert({l, h});
            }
        QVERIFY(!selected.empty());
        QCOMPARE(w.findChild<sinkscope::HeadGrid*>()->lit(), selected);
        QCOMPARE(dock->table()->rowCount(), static_cast<int>(selected.size()));

        dock->useInIntervention();
        const QString spec = QString("redistribute:p=0.6,to=%1-%2,heads=span").arg(first).arg(last);
        QCOMPARE(w.interventions()->customSpec(), spec);
        QTRY_VERIFY_WITH_TIMEOUT(!w.lastRun()->interventions.empty(), 60000);
        QCOMPARE(QString::fromStdString(w.lastRun()->interventions.front()), spec);
        QVERIFY(w.lastRun()->effect.kl > 0);
        // A new span replaces the span in the same SPEC.
        w.findChild<TokenStrip*>()->setSpan(2, 3);
        dock->useInIntervention();
        QCOMPARE(w.interventions()->customSpec(), QString("redistribute:p=0.6,to=2-3,heads=span"));
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty()) {
            w.findChild<TokenStrip*>()->setSpan(first, last);
            QTest::qWait(50);
            w.grab().save(shots + "/span_window.png");
        }
    }
};

SINKSCOPE_GUI_TEST(SpanDockTest)
#include "test_span_dock.moc"

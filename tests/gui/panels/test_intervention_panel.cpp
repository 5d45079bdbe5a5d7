// The intervention panel on its own: showing a result (setModelShape after every run) keeps the
// user's layer range and starts no run.
#include "gui_test_registry.h"
#include "intervention_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using sinkscope::gui::InterventionPanel;

class InterventionPanelTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aNewResultKeepsTheLayerRangeQuietly() {
        InterventionPanel panel;
        QSignalSpy changed(&panel, &InterventionPanel::changed);
        panel.setModelShape(5, 8);
        QCOMPARE(changed.count(), 0);
        panel.findChild<QComboBox*>()->setCurrentIndex(1); // layer range
        const auto spins = panel.findChildren<QSpinBox*>();
        QSpinBox* to = nullptr;
        for (auto* s : spins)
            if (s->maximum() == 4 && s->value() == 4) to = s;
        QVERIFY(to);
        to->setValue(2);
        QVERIFY(panel.specs().isEmpty());
        changed.clear();
        panel.setModelShape(5, 8); // the next run's result
        QCOMPARE(to->value(), 2);
        QCOMPARE(changed.count(), 0);
        panel.suppressBox()->setChecked(true);
        QCOMPARE(panel.specs(), QStringList{"suppress:layers=0-2"});
    }
};

SINKSCOPE_GUI_TEST(InterventionPanelTest)
#include "test_intervention_panel.moc"

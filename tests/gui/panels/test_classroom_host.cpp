// Classroom mode against a stand-in window (ClassroomHost): each scenario asks the host for just
// what it shows, the next scenario undoes what the last one changed, and leaving puts back the
// prompt, the model, the colour range and the single map.
#include "classroom.h"
#include "classroom_host.h"
#include "gui_test_registry.h"

#include <QApplication>
#include <QMainWindow>
#include <QSignalSpy>
#include <QTest>

using sinkscope::gui::Classroom;
using sinkscope::gui::ClassroomHost;
using sinkscope::gui::InterventionPanel;

namespace {

class FakeHost : public QMainWindow, public ClassroomHost {
public:
    QMainWindow* hostWindow() override { return this; }
    QString modelPath() const override { return model; }
    void loadModel(const QString& path) override { model = path; }
    QString sigmoidModelPath() const override { return sigmoid; }
    void openSigmoidModel() override { ++sigmoidOpens; }
    QString pictureDemoPath() const override { return {}; }
    void openPictureDemo() override {
        ++pictureDemos;
        model = "models/picture-demo";
    }
    QString promptText() const override { return prompt; }
    void setPrompt(const QString& text) override { prompt = text; }
    void applyInterventionPreset(const InterventionPanel::Preset& p) override { preset = p; }
    void setShowDiff(bool on) override { diff = on; }
    void selectStrongestSinkHead() override { ++sinkHeads; }
    void showTrainingTimeline(const QString& compareWith) override {
        ++timelines;
        timelineVersus = compareWith;
    }
    bool fixedRange01() const override { return fixed; }
    void setFixedRange01(bool on) override { fixed = on; }
    void setTokenStripShown(bool shown) override { strip = shown; }
    void setMapControlsShown(bool shown) override { tools = shown; }
    bool sideBySideShown() const override { return !beside.isEmpty(); }
    void compareWithModel(const QString& path) override { beside = path; }
    void stopSideBySide() override { beside.clear(); }

    QString model = "models/stories", sigmoid, prompt = "my prompt", beside, timelineVersus;
    InterventionPanel::Preset preset;
    bool diff = false, fixed = false, strip = true, tools = true;
    int sigmoidOpens = 0, sinkHeads = 0, timelines = 0, pictureDemos = 0;
};

} // namespace

class ClassroomHostTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Classroom's look is the application's: the next tests need theirs back.
    void init() {
        m_palette = QApplication::palette();
        m_font = QApplication::font();
    }
    void cleanup() {
        QApplication::setPalette(m_palette);
        QApplication::setFont(m_font);
    }

    void scenariosDriveTheHostAndLeavingRestoresIt() {
        FakeHost host;
        Classroom classroom(&host, nullptr);
        QSignalSpy caption(&classroom, &Classroom::captionChanged);
        classroom.enter();
        QVERIFY(classroom.active());
        QVERIFY(!host.tools);             // the map's editing controls make room
        QCOMPARE(classroom.current(), 0); // 1: the story prompt, no intervention, the strongest sink
        QVERIFY(host.prompt.startsWith("Once upon a time"));
        QVERIFY(!host.preset.suppress && !host.preset.stream);
        QVERIFY(!host.diff);
        QCOMPARE(host.sinkHeads, 1);
        QCOMPARE(caption.count(), 1);
        QVERIFY(caption.last().at(0).toString().contains("1 of 7"));

        classroom.next(); // 2: suppression, as a difference map
        QVERIFY(host.preset.suppress);
        QVERIFY(host.diff);
        classroom.go(4); // 5: the training timeline (alone: this host has no sigmoid twin yet)
        QCOMPARE(host.timelines, 1);
        QVERIFY(host.timelineVersus.isEmpty());
        QVERIFY(!host.preset.suppress);
        classroom.go(5); // 6 without a sigmoid twin: the host says where it is missing
        QCOMPARE(host.sigmoidOpens, 1);
        QVERIFY(host.beside.isEmpty());
        host.sigmoid = "models/sigmoid";
        classroom.go(5); // 6: both models side by side on one 0-1 scale
        QCOMPARE(host.beside, QString("models/sigmoid"));
        QVERIFY(host.fixed);
        QCOMPARE(host.sinkHeads, 2);
        classroom.go(4); // 5 again: the twin's timeline beside the model's
        QCOMPARE(host.timelineVersus, QString("models/sigmoid"));

        classroom.go(6); // 7: the picture demo, its picture and question, no intervention
        QCOMPARE(host.pictureDemos, 1);
        QVERIFY(!host.strip); // the picture gets the strip's room
        QCOMPARE(host.model, QString("models/picture-demo"));
        QVERIFY(host.beside.isEmpty());
        QVERIFY(!host.fixed);
        QVERIFY(!host.preset.suppress && !host.preset.stream);

        host.model = "models/other"; // a model opened meanwhile
        classroom.go(0);             // every scenario starts from the class's model and one map
        QCOMPARE(host.model, QString("models/stories"));
        QVERIFY(host.strip);
        QVERIFY(host.beside.isEmpty());
        QVERIFY(!host.fixed);

        classroom.leave();
        QVERIFY(!classroom.active());
        QCOMPARE(host.prompt, QString("my prompt"));
        QVERIFY(host.tools);
        QVERIFY(caption.last().at(0).toString().isEmpty());
    }

    void stepsStayInsideTheScenarios() {
        FakeHost host;
        Classroom classroom(&host, nullptr);
        classroom.go(2); // not in classroom mode: nothing happens
        QCOMPARE(host.prompt, QString("my prompt"));
        classroom.enter();
        classroom.previous();
        QCOMPARE(classroom.current(), 0);
        classroom.go(99);
        QCOMPARE(classroom.current(), classroom.count() - 1);
        classroom.leave();
    }

private:
    QPalette m_palette;
    QFont m_font;
};

SINKSCOPE_GUI_TEST(ClassroomHostTest)
#include "test_classroom_host.moc"

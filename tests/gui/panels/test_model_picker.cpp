// The model picker over the committed tiny checkpoints of every family: each row names its
// architecture, parameters and features (the listing's words, the family in the tooltip), a GGUF
// file its quantisation first, a model that cannot be opened the reason in the features column;
// at its default size the features of a windowed, soft-capped model are shown whole.
#include "gui_test_registry.h"
#include "model_picker.h"

#include <QDir>
#include <QFile>
#include <QScreen>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using sinkscope::gui::ModelPicker;

namespace {

int rowOf(const QTableWidget& t, const QString& name) {
    for (int r = 0; r < t.rowCount(); ++r)
        if (t.item(r, 0)->text() == name) return r;
    return -1;
}

} // namespace

class ModelPickerTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() {
        QSettings().remove("models/dirs");
        // An empty hub cache: the user's own downloads must not enter the test.
        QVERIFY(m_hub.isValid());
        m_oldHub = qgetenv("HF_HUB_CACHE");
        qputenv("HF_HUB_CACHE", m_hub.path().toUtf8());
    }
    void cleanup() {
        QSettings().remove("models/dirs");
        if (m_oldHub.isNull())
            qunsetenv("HF_HUB_CACHE");
        else
            qputenv("HF_HUB_CACHE", m_oldHub);
    }

    void rowsShowFamilyFeaturesAndParameters() {
        QTemporaryDir user;
        QVERIFY(QDir(user.path()).mkpath("bert-base"));
        QFile config(user.filePath("bert-base/config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"model_type": "bert", "hidden_size": 8})");
        config.close();

        ModelPicker picker;
        picker.addFolder(QString(SINKSCOPE_TEST_DATA_DIR) + "/models");
        picker.addFolder(user.path());
        const QTableWidget& t = *picker.table();
        QCOMPARE(t.columnCount(), ModelPicker::kColumns);
        QCOMPARE(t.horizontalHeaderItem(ModelPicker::kFeatures)->text(), QString("features"));
        const auto cell = [&](const QString& name, int column) {
            const int r = rowOf(t, name);
            return r < 0 ? QString("(no row %1)").arg(name) : t.item(r, column)->text();
        };
        const auto tip = [&](const QString& name, int column) {
            const int r = rowOf(t, name);
            return r < 0 ? QString() : t.item(r, column)->toolTip();
        };
        const int F = ModelPicker::kFeatures;
        QCOMPARE(cell("tiny_gemma2", F), QString("window 4 (layers 0, 2), soft-cap 5/4, GQA 4:2"));
        QCOMPARE(cell("tiny_gemma2", 3), QString("gemma2"));
        QCOMPARE(cell("tiny_gemma2", 4), QString("53 K"));
        QVERIFY(tip("tiny_gemma2", F).startsWith("family: gemma\nwindow 4 (layers 0, 2)\nsoft-cap 5/4"));
        QVERIFY(tip("tiny_gemma2", 3).contains("gemma family"));
        QCOMPARE(cell("tiny_pythia", F), QString("rotary 4/16, parallel residual"));
        QVERIFY(cell("tiny_phi3_longrope", F).startsWith("rope longrope x4"));
        QCOMPARE(cell("tiny_qwen3_window", F), QString("window 6 (layer 2), q/k norm, GQA 4:2"));
        QVERIFY(tip("tiny_qwen3_window", F).startsWith("family: llama"));
        QCOMPARE(cell("tiny_llama_q4_0", F), QString("Q4_0, GQA 4:2"));
        QCOMPARE(cell("tiny_llama_q4_0", 2), QString("gguf"));
        QCOMPARE(cell("tiny_gpt2", F), QString());
        QVERIFY(tip("tiny_gpt2", F).startsWith("family: gpt2\n"));
        QVERIFY(cell("bert-base", F).startsWith("cannot open: "));
        QVERIFY(cell("bert-base", F).contains("neither model.safetensors nor"));

        // At its default size the features column holds a windowed, soft-capped model's list whole
        // (Qt would elide it otherwise), and the dialog fits on the screen.
        picker.show();
        QVERIFY(QTest::qWaitForWindowExposed(&picker));
        const QRect screen = picker.screen()->availableGeometry();
        QVERIFY(picker.width() <= screen.width() && picker.height() <= screen.height());
        if (screen.width() >= 1280) {
            const int textWidth = t.fontMetrics().horizontalAdvance(cell("tiny_gemma2", F));
            QVERIFY2(t.columnWidth(F) > textWidth,
                     qPrintable(
                         QString("features column %1 px, text %2 px").arg(t.columnWidth(F)).arg(textWidth)));
        }
        if (const QString dir = sinkscope::test::screenshotDir(); !dir.isEmpty()) {
            const QString size =
                QString("%1x%2").arg(picker.screen()->size().width()).arg(picker.screen()->size().height());
            picker.table()->selectRow(rowOf(t, "tiny_gemma2"));
            QTest::qWait(50);
            picker.screen()->grabWindow(picker.winId()).save(dir + "/model_picker_" + size + ".png");
        }
    }

private:
    QTemporaryDir m_hub;
    QByteArray m_oldHub;
};

SINKSCOPE_GUI_TEST(ModelPickerTest)
#include "test_model_picker.moc"

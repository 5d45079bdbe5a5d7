// Runs every registered panel test class; arguments go to each (e.g. -v2, or a test function name
// that only the class holding it knows: the others then report it missing, so prefer -v2 here).
#include "gui_test_registry.h"

#include <QApplication>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSettings>
#include <QStandardPaths>
#include <QStringList>
#include <QTest>

namespace sinkscope::test {

void isolateSettings() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("SinkScopeTests");
    QSettings().clear();
}

QString screenshotDir() {
    return qEnvironmentVariable("SINKSCOPE_SCREENSHOT_DIR");
}

QJsonObject beyondGolden() {
    QFile file(QString(SINKSCOPE_TEST_DATA_DIR) + "/golden/beyond_stories260k.json");
    if (!file.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

QString idsPrompt(const QJsonObject& golden) {
    QStringList ids;
    for (const auto& id : golden["token_ids"].toArray())
        ids << QString::number(id.toInt());
    return "ids: " + ids.join(", ");
}

} // namespace sinkscope::test

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    sinkscope::test::isolateSettings();
    int failures = 0;
    for (const auto& make : sinkscope::test::guiTests()) {
        auto test = make();
        failures += QTest::qExec(test.get(), argc, argv);
    }
    return failures == 0 ? 0 : 1;
}

#pragma once
// One executable for the window's panel tests: each file registers its Qt Test class with
// SINKSCOPE_GUI_TEST(Class); main runs them all (a LibTorch-linked executable is slow to start,
// so one per class would cost more than the tests).
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>
#include <vector>

namespace sinkscope::test {

using GuiTestFactory = std::function<std::unique_ptr<QObject>()>;
inline std::vector<GuiTestFactory>& guiTests() {
    static std::vector<GuiTestFactory> all;
    return all;
}
struct GuiTestRegistration {
    explicit GuiTestRegistration(GuiTestFactory f) { guiTests().push_back(std::move(f)); }
};

// Settings isolated from the user's (Qt's test location), shared by every panel test.
void isolateSettings();
// Screenshots go to $SINKSCOPE_SCREENSHOT_DIR when it is set; empty otherwise.
QString screenshotDir();

// The CLI's golden metrics of stories260K (tests/data/golden/beyond_stories260k.json; empty object
// when unreadable) and its prompt as the window's "ids: ..." text.
QJsonObject beyondGolden();
QString idsPrompt(const QJsonObject& golden);

} // namespace sinkscope::test

#define SINKSCOPE_GUI_TEST(Class)                                                                            \
    static const sinkscope::test::GuiTestRegistration Class##Registration(                                   \
        [] { return std::unique_ptr<QObject>(new Class); });

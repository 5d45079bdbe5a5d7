#include "figures/figures.h"

#include <QByteArray>
#include <QGuiApplication>

namespace sinkscope {

void ensureGuiApplication() {
    if (QCoreApplication::instance() != nullptr) return; // the GUI's own, or one made before
    // The application made here only paints into images and files, so it never needs a display:
    // the offscreen platform also keeps a stale DISPLAY (ssh without X) from aborting a CLI export.
    // An explicit QT_QPA_PLATFORM still wins.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", QByteArrayLiteral("offscreen"));
    static int argc = 1;
    static char name[] = "sinkscope";
    static char* argv[] = {name, nullptr};
    // Lives until exit: Qt objects may be painted with from anywhere later, and tearing the
    // application down during static destruction is a known source of crashes. Reachable, so leak
    // checkers do not report it.
    static QGuiApplication* app = new QGuiApplication(argc, argv);
    (void)app;
}

} // namespace sinkscope

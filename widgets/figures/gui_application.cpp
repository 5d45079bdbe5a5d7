#include "figures/figures.h"

#include <QByteArray>
#include <QDir>
#include <QGuiApplication>
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace sinkscope {

void ensureGuiApplication() {
    if (QCoreApplication::instance() != nullptr) return; // the GUI's own, or one made before
    // The application made here only paints into images and files, so it never needs a display:
    // the offscreen platform also keeps a stale DISPLAY (ssh without X) from aborting a CLI export.
    // An explicit QT_QPA_PLATFORM still wins.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", QByteArrayLiteral("offscreen"));
    // Without a session (CI, ssh) Qt warns on every start that XDG_RUNTIME_DIR is unset; a
    // private directory of our own is what it would fall back to anyway, minus the warning.
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QByteArray dir =
            QDir::tempPath().toUtf8() + "/sinkscope-runtime-" + QByteArray::number(getuid());
        if (::mkdir(dir.constData(), 0700) == 0 || errno == EEXIST) qputenv("XDG_RUNTIME_DIR", dir);
    }
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

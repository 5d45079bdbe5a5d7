// sinkscope: the desktop explorer. Opens the bundled default model (or the one given) and runs
// a demo prompt, so the first screen already shows attention.
#include "main_window.h"
#include "model/blas_check.h"
#include "thread_policy.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

namespace {

// The default model next to the executable's source tree or installed data, else stories260K.
QString defaultModel() {
    for (const QString& p : {QString(SINKSCOPE_SOURCE_DIR "/assets/models/default"),
                             QCoreApplication::applicationDirPath() + "/../share/sinkscope/models/default"})
        if (QFileInfo::exists(p + "/config.json")) return p;
    return QString(SINKSCOPE_SOURCE_DIR "/../shared/models/stories260K/stories260K.bin");
}

} // namespace

int main(int argc, char** argv) {
    sinkscope::gui::ensurePassiveThreadWaits(argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName("SinkScope");
    QApplication::setOrganizationName("SinkScope");
    QCommandLineParser parser;
    parser.setApplicationDescription("Attention maps and attention sinks of transformer language models");
    parser.addHelpOption();
    QCommandLineOption model("model", "Model directory, .gguf file or llama2.c .bin", "path", defaultModel());
    QCommandLineOption prompt("prompt", "Prompt to run first", "text");
    parser.addOption(model);
    parser.addOption(prompt);
    parser.process(app);
    if (auto w = sinkscope::blasWarning(sinkscope::detectBlas()); !w.empty())
        std::fprintf(stderr, "%s\n", w.c_str());

    const QString modelPath = parser.value(model);
    QString demo = parser.value(prompt);
    if (demo.isEmpty())
        demo = modelPath.endsWith(".bin")
                   ? "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264"
                   : "Once upon a time, there was a little girl who loved the sea.";
    sinkscope::gui::MainWindow window(modelPath, demo);
    window.show();
    return app.exec();
}

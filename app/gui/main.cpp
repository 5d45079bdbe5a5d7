// sinkscope: the desktop explorer. Opens the bundled default model (or the one given) and runs
// a demo prompt, so the first screen already shows attention.
#include "classroom.h"
#include "main_window.h"
#include "model/blas_check.h"
#include "startup.h"
#include "thread_policy.h"
#include "trace/timeline_source.h"

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
    QCommandLineOption intervention("intervention", "Intervention SPEC to start with (README: Interventions)",
                                    "spec");
    QCommandLineOption classroom(
        "classroom",
        QString("Open classroom mode at scenario N (1-%1)").arg(sinkscope::gui::Classroom::kScenarios), "n");
    QCommandLineOption screenshot(
        "screenshot", "Save a PNG of the window once the first result is shown, then exit", "file");
    QCommandLineOption panel(
        "panel", "Panel to bring to the front: " + sinkscope::gui::startupPanels().join(", "), "name");
    QCommandLineOption sweep(
        "sweep", "A sweep trace to open in the Sweep panel (sinkscope-cli sweep-report's twin)", "trace");
    QCommandLineOption image(
        "image", "LLaVA models: a PNG or JPEG put where the prompt has <image> (run --image)", "file");
    QCommandLineOption diff("diff", "Show intervened - base on the map");
    QCommandLineOption size("size", "Window size, e.g. 1400x900", "WxH");
    QCommandLineOption beside(
        "beside", "A second map side by side on one colour scale: 'intervened' or another model's path",
        "intervened|model");
    QCommandLineOption timelineVersus(
        "timeline-versus",
        "The Training timeline panel: the model's timeline beside another's Sink^0.3, a run directory or "
        "TRACE:NAME (sinkscope-cli timeline --curves FILE --versus's twin)",
        "source");
    parser.addOptions({model, prompt, intervention, classroom, panel, sweep, image, diff, beside,
                       timelineVersus, screenshot, size});
    parser.process(app);

    sinkscope::gui::StartupOptions startup;
    startup.intervention = parser.value(intervention);
    startup.screenshot = parser.value(screenshot);
    if (parser.isSet(classroom)) {
        bool ok = false;
        startup.classroom = parser.value(classroom).toInt(&ok);
        if (!ok || startup.classroom < 1 || startup.classroom > sinkscope::gui::Classroom::kScenarios) {
            std::fprintf(stderr, "sinkscope: --classroom wants a scenario 1-%d, not '%s'\n",
                         sinkscope::gui::Classroom::kScenarios, qPrintable(parser.value(classroom)));
            return 2;
        }
    }
    startup.diff = parser.isSet(diff);
    startup.beside = parser.value(beside);
    startup.panel = parser.value(panel);
    startup.sweep = parser.value(sweep);
    startup.image = parser.value(image);
    if (parser.isSet(timelineVersus)) {
        startup.timelineVersus = parser.value(timelineVersus);
        if (auto source = sinkscope::parseTimelineSource(startup.timelineVersus.toStdString()); !source) {
            std::fprintf(stderr, "sinkscope: --timeline-versus: %s\n", source.error().message.c_str());
            return 2;
        }
    }
    if (parser.isSet(panel) && !sinkscope::gui::startupPanels().contains(startup.panel)) {
        std::fprintf(stderr, "sinkscope: --panel wants one of %s, not '%s'\n",
                     qPrintable(sinkscope::gui::startupPanels().join(", ")), qPrintable(startup.panel));
        return 2;
    }
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split('x');
        if (wh.size() == 2) startup.size = QSize(wh[0].toInt(), wh[1].toInt());
        if (!startup.size.isValid() || startup.size.width() < 200 || startup.size.height() < 150) {
            std::fprintf(stderr, "sinkscope: --size wants WIDTHxHEIGHT of at least 200x150, not '%s'\n",
                         qPrintable(parser.value(size)));
            return 2;
        }
    }
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
    sinkscope::gui::applyStartup(window, startup);
    return app.exec();
}

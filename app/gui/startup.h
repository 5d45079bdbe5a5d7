#pragma once
// What the command line asks of the window beyond the model and prompt: an intervention to start
// with, a classroom scenario to open, and a screenshot to take once the first result is on screen
// (for figures and documentation: `sinkscope --screenshot shot.png` then exits).
#include <QSize>
#include <QString>
#include <QStringList>

namespace sinkscope::gui {

class MainWindow;

struct StartupOptions {
    QString intervention;   // SPEC for the panel's custom field
    int classroom = 0;      // 1-based scenario; 0: normal window
    QString panel;          // dock to raise: runs, timeline, channels, ctr, span, mechanism, sweep, metrics
    bool diff = false;      // show intervened - base on the map
    QString beside;         // "intervened" or a model: a second map side by side, one colour scale
    QString sweep;          // a sweep trace to open in the Sweep panel
    QString image;          // LLaVA models: a picture for the prompt's <image>
    QString timelineVersus; // the Training timeline beside another (a run directory or TRACE:NAME)
    QString screenshot;     // PNG path; empty: stay open
    QSize size;             // window size; empty: the window's default
    int timeoutMs = 180000;
};

// The names --panel accepts, and the dock each one raises.
QStringList startupPanels();

// Applies the options to a shown window. With a screenshot, the application exits once it is
// saved (0), when a run fails or the file cannot be written (1), or after timeoutMs (2).
void applyStartup(MainWindow& window, const StartupOptions& options);

} // namespace sinkscope::gui

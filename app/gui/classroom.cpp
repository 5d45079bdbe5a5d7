#include "classroom.h"

#include "classroom_host.h"
#include "views/head_grid.h"

#include <QApplication>
#include <QDockWidget>
#include <QEvent>
#include <QLabel>
#include <QMainWindow>
#include <QScreen>
#include <QTimer>

#include <algorithm>

namespace sinkscope::gui {

namespace {
// Long enough that a StreamingLLM window of 16 tokens evicts most of it.
const QString kStoryPrompt =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. One day, "
    "she saw a big red ball in the park. She ran to the ball and kicked it. The ball went very high and";
// The same length for a llama2.c model without a tokenizer (stories260K's ids of a short story).
const QString kStoryIds =
    "ids: 1, 461, 392, 284, 265, 447, 465, 465, 465, 465, 473, 315, 264, 379, 264, 461, 392, "
    "284, 265, 447, 465, 473, 315, 264, 379, 264, 461, 392, 284, 265, 447, 465, 473, 315, "
    "264, 379, 264, 461, 392, 284";

// Moves a dock into a side area for a scenario, shown, at a share of the window's width (once it
// is in the layout: a dock is resized only there). leave() restores the saved layout.
void placeDock(QMainWindow* window, QDockWidget* dock, Qt::DockWidgetArea area, double widthShare) {
    window->addDockWidget(area, dock);
    dock->show();
    QTimer::singleShot(0, window, [window, dock, widthShare] {
        window->resizeDocks({dock}, {static_cast<int>(window->width() * widthShare)}, Qt::Horizontal);
    });
}

// Whether a shown widget got less height than it needs: what its width needs when its height
// depends on its width (a wrapped label), else its minimum size hint.
bool squeezed(const QWidget* x) {
    if (!x || !x->isVisible()) return false;
    const int needs = x->hasHeightForWidth() ? x->heightForWidth(x->width()) : x->minimumSizeHint().height();
    return x->height() < needs;
}
} // namespace

Classroom::Classroom(ClassroomHost* host, QObject* parent) : QObject(parent), m_host(host) {
    build();
}

void Classroom::build() {
    ClassroomHost* w = m_host;
    auto prompt = [w] { w->setPrompt(w->modelPath().endsWith(".bin") ? kStoryIds : kStoryPrompt); };
    m_scenarios = {
        {"1 · The attention sink",
         "Most heads send a large share of their attention to the <b>first token</b>, whatever it says. "
         "That bright first column is the <b>attention sink</b>. The head grid colours every head by "
         "α₀, its average attention on token 0; red frames mark sink heads (α₀ &gt; 0.3).",
         [w, prompt] {
             prompt();
             w->applyInterventionPreset({});
             w->setShowDiff(false);
             w->selectStrongestSinkHead();
         }},
        {"2 · Suppress the sink",
         "Now the sink's attention is set to zero and every row renormalised, inside the forward pass. "
         "The map shows <i>intervened − base</i>: red gained, blue lost. On the right, the next-token "
         "predictions change and KL measures by how much.",
         [w] {
             InterventionPanel::Preset p;
             p.suppress = true;
             w->applyInterventionPreset(p);
             w->setShowDiff(true);
         }},
        {"3 · StreamingLLM without sink tokens",
         "Only the 16 most recent tokens are kept: the first tokens, sink included, are dropped. The heads "
         "that parked their attention on the first token must now spread it over the window, and the "
         "predictions move (KL on the right: 0.27 nats on the default model, whose top prediction falls "
         "to fourth place).",
         [w, prompt] {
             prompt();
             InterventionPanel::Preset p;
             p.stream = true;
             p.streamSinks = 0;
             p.streamWindow = 16;
             w->applyInterventionPreset(p);
             w->setShowDiff(false);
         }},
        {"4 · StreamingLLM with 4 sink tokens",
         "Same window, the first 4 tokens kept as sinks: the predictions come back (default model: KL "
         "0.01 nats, 0.02 with the first token alone, against 0.27). The window lacked a place to park "
         "attention, not words: StreamingLLM's recipe.",
         [w] {
             InterventionPanel::Preset p;
             p.stream = true;
             p.streamSinks = 4;
             p.streamWindow = 16;
             w->applyInterventionPreset(p);
         }},
        {"5 · The sink emerges during training",
         "The default model was trained here. Its training timeline shows α₀ per head at every "
         "checkpoint: early on no head has a sink; the sink grows as the loss falls. The dashed grey "
         "line is its twin with sigmoid attention, trained on the same text: it never grows one.",
         [w] {
             w->applyInterventionPreset({});
             w->setTokenStripShown(false);
             w->showTrainingTimeline(w->sigmoidModelPath()); // alone when there is no twin
             // The timeline is the lesson here: it takes the output column's place, three fifths of the width
             // and the whole height, where its α₀ grid and curves show whole on a projector.
             QMainWindow* window = w->hostWindow();
             auto* timeline = window->findChild<QDockWidget*>("timelineDock");
             if (!timeline || timeline->isHidden()) return; // the model has no timeline: the host said so
             if (auto* out = window->findChild<QDockWidget*>("outputDock")) out->hide();
             placeDock(window, timeline, Qt::RightDockWidgetArea, 0.6);
         }},
        {"6 · Softmax vs sigmoid attention",
         "Left: this model (softmax). Right: the same prompt through a model trained identically but "
         "with sigmoid attention, which does not normalise across tokens. One colour scale, 0 to 1: "
         "softmax must give each row a total of 1 and parks the spare attention on the first token; "
         "sigmoid has no reason to, so it has no sink column.",
         [w] {
             w->applyInterventionPreset({});
             w->setShowDiff(false);
             const QString sigmoid = w->sigmoidModelPath();
             if (sigmoid.isEmpty()) {
                 w->openSigmoidModel(); // says where the model is missing
                 return;
             }
             w->setFixedRange01(true);
             w->compareWithModel(sigmoid);
             w->selectStrongestSinkHead();
         }},
        {"7 · Pictures are tokens too",
         "The picture model reads a picture as 64 patch tokens (<i>img row,col</i> on the map) before the "
         "question. The Picture panel lays the answer's attention over the picture. Patches with the sink's "
         "massive activation would be framed as <b>visual sink tokens</b>: this small model has none, its "
         "sink stays on the first token. VAR moves part of that sink's attention onto the picture: "
         "compare the answers.",
         [w] {
             w->applyInterventionPreset({});
             w->setShowDiff(false);
             w->setTokenStripShown(false); // the picture needs the room; the map's axes name the tokens
             w->openPictureDemo();         // without one, the host says where it is missing
             // Beside the map rather than under it: the map of a short prompt is about square and
             // leaves the width spare, while a 720-line projector has no height to give.
             QMainWindow* window = w->hostWindow();
             if (auto* picture = window->findChild<QDockWidget*>("imageDock");
                 picture && !w->pictureDemoPath().isEmpty()) {
                 placeDock(window, picture, Qt::LeftDockWidgetArea, 0.3);
             }
         }},
    };
    Q_ASSERT(count() == kScenarios);
}

void Classroom::enter() {
    if (m_active) return;
    m_active = true;
    m_startModel = m_host->modelPath();
    m_startPrompt = m_host->promptText();
    m_savedFixedRange = m_host->fixedRange01();
    m_savedPalette = QApplication::palette();
    m_savedFont = QApplication::font();
    // High contrast and large type for a projector.
    QPalette p;
    p.setColor(QPalette::Window, Qt::black);
    p.setColor(QPalette::WindowText, Qt::white);
    p.setColor(QPalette::Base, QColor(20, 20, 20));
    p.setColor(QPalette::AlternateBase, QColor(40, 40, 40));
    p.setColor(QPalette::Text, Qt::white);
    p.setColor(QPalette::Button, QColor(30, 30, 30));
    p.setColor(QPalette::ButtonText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(255, 210, 0));
    p.setColor(QPalette::HighlightedText, Qt::black);
    QApplication::setPalette(p);
    setType(std::max(16.0, m_savedFont.pointSizeF() * 1.6));
    // The map and the output matter in front of a class: the editing docks make room.
    QMainWindow* window = m_host->hostWindow();
    window->installEventFilter(this);
    m_savedState = window->saveState();
    for (const char* dock : {"promptDock", "metricsDock"})
        if (auto* d = window->findChild<QDockWidget*>(dock)) d->hide();
    m_host->setMapControlsShown(false);
    // go() hides the analysis tabs under the map too; the timeline scenario opens its own.
    window->showFullScreen();
    // Large type needs a wider output column, or the top-k tokens shrink to "l…" beside their
    // probabilities; once the window has its full-screen size. Leaving restores the saved layout.
    QTimer::singleShot(0, window, [w = window] {
        if (auto* out = w->findChild<QDockWidget*>("outputDock"))
            w->resizeDocks({out}, {static_cast<int>(w->width() * 0.27)}, Qt::Horizontal);
    });
    if (const QScreen* screen = window->screen()) fitToHeight(screen->geometry().height());
    go(0);
}

void Classroom::setType(double pointSize) {
    m_typePt = pointSize;
    QFont f = m_savedFont;
    f.setPointSizeF(pointSize);
    QApplication::setFont(f);
}

void Classroom::fitToHeight(int px) {
    m_room = px;
    fit();
}

void Classroom::fit() {
    if (!m_active || m_room <= 0) return;
    QMainWindow* w = m_host->hostWindow();
    // The window's minimum height is not enough: box layouts give a wrapped label the height of its
    // size hint, not what its width needs (a caption in a narrow column, scenario 7, would lose its
    // last lines), and wrapped labels that grow beside a head grid (the output column's caption
    // names the intervention) squeeze it below the row height its values need.
    const auto grids = w->findChildren<HeadGrid*>();
    const bool whole = !squeezed(w->findChild<QLabel*>("classroomCaption")) &&
                       std::none_of(grids.begin(), grids.end(), squeezed);
    if (w->minimumSizeHint().height() <= m_room && whole) {
        // Xvfb and some window managers leave a window at the height its minimum forced on it.
        if (w->height() > m_room && !w->isFullScreen()) w->resize(w->width(), m_room);
        return;
    }
    if (m_typePt - 1 < m_savedFont.pointSizeF()) return; // as small as the ordinary type: keep it
    setType(m_typePt - 1); // the relayout this causes comes back through eventFilter()
}

bool Classroom::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::LayoutRequest && m_active && !m_fitQueued) {
        m_fitQueued = true; // once per turn of the event loop, after the layout has settled
        QTimer::singleShot(0, this, [this] {
            m_fitQueued = false;
            fit();
        });
    }
    return QObject::eventFilter(watched, event);
}

void Classroom::leave() {
    if (!m_active) return;
    m_active = false;
    m_room = 0;
    m_host->hostWindow()->removeEventFilter(this);
    QApplication::setPalette(m_savedPalette);
    QApplication::setFont(m_savedFont);
    m_host->hostWindow()->showNormal();
    m_host->hostWindow()->restoreState(m_savedState);
    if (m_host->modelPath() != m_startModel) m_host->loadModel(m_startModel);
    m_host->setPrompt(m_startPrompt);
    m_host->applyInterventionPreset({});
    m_host->setShowDiff(false);
    m_host->stopSideBySide();
    m_host->setFixedRange01(m_savedFixedRange);
    m_host->setTokenStripShown(true);
    m_host->setMapControlsShown(true);
    Q_EMIT captionChanged(QString());
}

void Classroom::go(int index) {
    if (!m_active) return;
    m_current = std::clamp(index, 0, count() - 1);
    const Scenario& s = m_scenarios[static_cast<std::size_t>(m_current)];
    for (const char* dock : {"runsDock", "timelineDock", "channelsDock", "ctrDock", "spanDock",
                             "mechanismDock", "sweepDock", "imageDock"})
        if (auto* d = m_host->hostWindow()->findChild<QDockWidget*>(dock)) d->hide();
    if (auto* out = m_host->hostWindow()->findChild<QDockWidget*>("outputDock")) out->show(); // 5 hides it
    // Every scenario starts from one map on the model the class started with.
    if (m_host->modelPath() != m_startModel) m_host->loadModel(m_startModel);
    if (m_host->sideBySideShown()) m_host->stopSideBySide();
    m_host->setFixedRange01(m_savedFixedRange);
    m_host->setTokenStripShown(true);
    s.apply();
    Q_EMIT captionChanged(
        QString("<span style='font-size:x-large'><b>%1</b></span> &nbsp; (%2 of %3 · PageDown "
                "next · PageUp back · F11 leaves)<br>%4")
            .arg(s.title)
            .arg(m_current + 1)
            .arg(count())
            .arg(s.text));
}

} // namespace sinkscope::gui

#pragma once
// Classroom mode: full screen, large type, high contrast, and guided scenarios a teacher steps
// through with the keyboard (PageDown / PageUp, as presentation clickers send, or the digits):
//   1 the sink, 2 suppress it and watch the output change, 3 StreamingLLM without and 4 with
//   sink tokens, 5 the sink emerging during training, 6 softmax vs sigmoid attention (the two
//   models side by side on one colour scale), 7 a picture read as tokens (the bundled picture
//   model, its attention over the picture, visual sinks and VAR).
// Each scenario only sets what the window already offers (prompt, interventions, model, head),
// so everything shown is what the ordinary views compute; the window is reached through the narrow
// ClassroomHost interface (classroom_host.h).
#include <QFont>
#include <QObject>
#include <QPalette>
#include <QString>

#include <functional>
#include <vector>

namespace sinkscope::gui {

class ClassroomHost;

class Classroom : public QObject {
    Q_OBJECT
public:
    static constexpr int kScenarios = 7; // what build() makes; `sinkscope --classroom N` checks N against it

    // The host outlives the mode (it is usually also its QObject parent).
    Classroom(ClassroomHost* host, QObject* parent);

    bool active() const { return m_active; }
    int current() const { return m_current; }
    int count() const { return static_cast<int>(m_scenarios.size()); }
    QString title(int i) const { return m_scenarios[static_cast<std::size_t>(i)].title; }

public Q_SLOTS:
    void enter();
    void leave();
    void toggle() { m_active ? leave() : enter(); }
    void go(int index);
    void next() { go(m_current + 1); }
    void previous() { go(m_current - 1); }
    // The room the window has: the screen's height in full screen (enter() sets it), or the size
    // a screenshot asks for. The large type steps down, a point at a time and never below the
    // type the mode started from, until the window's minimum height fits: full screen cannot be
    // taller than a 1280x720 projector, and what does not fit is cut off.
    void fitToHeight(int px);

Q_SIGNALS:
    void captionChanged(const QString& html); // empty when the mode is left

protected:
    // Any relayout of the window (a new caption, a longer prompt's token strip, a longer answer)
    // checks the fit again.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Scenario {
        QString title, text;
        std::function<void()> apply;
    };
    void build();
    void setType(double pointSize);
    void fit();

    ClassroomHost* m_host;
    std::vector<Scenario> m_scenarios;
    bool m_active = false;
    int m_current = 0;
    QString m_startModel, m_startPrompt; // restored when the mode is left
    QPalette m_savedPalette;
    QFont m_savedFont;
    QByteArray m_savedState; // dock layout
    bool m_savedFixedRange = false;
    double m_typePt = 0; // the classroom type's point size now
    int m_room = 0;      // fitToHeight's height; 0 before the mode is entered
    bool m_fitQueued = false;
};

} // namespace sinkscope::gui

#pragma once
// ClassroomHost: what classroom mode needs of the window it runs in, and nothing more. The
// scenarios only set what the window already offers (prompt, interventions, model, head, side by
// side), so the mode drives the ordinary views; MainWindow implements this, and classroom.cpp
// depends on this interface rather than on the whole window.
#include "intervention_panel.h"

#include <QString>

class QMainWindow;

namespace sinkscope::gui {

class ClassroomHost {
public:
    virtual ~ClassroomHost() = default;

    // The window itself: full screen, its dock layout and the docks the mode hides.
    virtual QMainWindow* hostWindow() = 0;

    // The model, and the sigmoid-attention twin of scenario 6.
    virtual QString modelPath() const = 0;
    virtual void loadModel(const QString& path) = 0;
    virtual QString sigmoidModelPath() const = 0; // empty when there is none
    virtual void openSigmoidModel() = 0;          // says where the model is missing
    // The picture model of scenario 7: the model, a scene and a question about it.
    virtual QString pictureDemoPath() const = 0; // empty when there is none
    virtual void openPictureDemo() = 0;          // says where the model is missing

    // What a run takes; each change leads to an ordinary run.
    virtual QString promptText() const = 0;
    virtual void setPrompt(const QString& text) = 0;
    virtual void applyInterventionPreset(const InterventionPanel::Preset& preset) = 0;

    // What is shown.
    virtual void setShowDiff(bool on) = 0;
    virtual void selectStrongestSinkHead() = 0;
    // The model's training timeline, with another run's Sink^0.3 beside it (a run or model
    // directory; empty: none).
    virtual void showTrainingTimeline(const QString& compareWith) = 0;
    virtual bool fixedRange01() const = 0; // colours over 0-1 rather than each map's own range
    virtual void setFixedRange01(bool on) = 0;
    virtual void setTokenStripShown(bool shown) = 0; // the strip above the map (scenario 7 makes room)
    // The map's colour, scale and strip controls (the difference toggle stays): editing tools that
    // take the width a third column needs on a 1280-pixel projector.
    virtual void setMapControlsShown(bool shown) = 0;
    virtual bool sideBySideShown() const = 0;
    virtual void compareWithModel(const QString& path) = 0;
    virtual void stopSideBySide() = 0;
};

} // namespace sinkscope::gui

#pragma once
// Help > Getting started: the four things people come to SinkScope for, step by step, each with
// the command-line twin of what the window does.
class QWidget;

namespace sinkscope::gui {

// Shows the page (non-modal; one at a time per parent). Returns the dialog.
QWidget* showGettingStarted(QWidget* parent);

} // namespace sinkscope::gui

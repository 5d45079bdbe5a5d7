#pragma once
// The analysis tabs under the map open at a fifth of the window's height, room for a table but not
// for a plot. A plot dock calls this once: the first time it comes to the front it takes two fifths
// of the window's height (as the training timeline does), unless it already has that much; later the
// user's sizing stands.
#include <QCoreApplication>
#include <QDockWidget>
#include <QMainWindow>
#include <QTimer>

namespace sinkscope::gui {

inline void giveRoomOnFirstShow(QDockWidget* dock, bool& done) {
    if (done) return;
    done = true;
    auto* window = qobject_cast<QMainWindow*>(dock->parentWidget());
    if (!window || dock->isFloating()) return;
    // After the tab switch has settled, so the dock's height is its real one.
    QTimer::singleShot(0, dock, [dock, window] {
        // Pending layout requests (the window's own sizing of the tabs, a new window size) first.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        const int want = window->height() * 2 / 5;
        if (dock->isVisible() && dock->height() < want) window->resizeDocks({dock}, {want}, Qt::Vertical);
    });
}

} // namespace sinkscope::gui

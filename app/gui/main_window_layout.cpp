// The window's layout: which panels show, where, and what is remembered. Rules a first-time user
// relies on: every panel can be brought back from View ▸ Panels, View ▸ Reset layout returns to the
// default, a remembered size never exceeds the screen the window opens on, and classroom mode or a
// screenshot run never becomes the user's own layout.
#include "classroom.h"
#include "main_window.h"

#include <QAction>
#include <QDockWidget>
#include <QMenu>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStyle>
#include <QToolBar>
#include <algorithm>

namespace sinkscope::gui {

namespace {

// A dock's contents in a scroll area: a panel's own minimum size (the interventions form, the
// timeline's plots) no longer sets the window's, which then fits a 1280 x 720 screen; a panel
// made smaller than its contents scrolls instead.
// bothWays: the panels under the map scroll sideways too (their button rows would otherwise set
// the width of the middle column); side panels scroll vertically only, at their contents' width.
void makeScrollable(QDockWidget* dock, bool bothWays) {
    QWidget* inner = dock->widget();
    if (!inner || qobject_cast<QScrollArea*>(inner)) return;
    auto* area = new QScrollArea;
    area->setObjectName(dock->objectName() + "Scroll");
    area->setFrameShape(QFrame::NoFrame);
    area->setWidgetResizable(true);
    if (!bothWays) {
        area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        area->setMinimumWidth(inner->minimumSizeHint().width() +
                              area->style()->pixelMetric(QStyle::PM_ScrollBarExtent) + 2);
    }
    area->setWidget(inner); // takes it from the dock
    dock->setWidget(area);
}

} // namespace

void MainWindow::buildLayoutMenu() {
    // Not the output panel: its head grid and table lay themselves out at the panel's width and
    // ask for the width they need, which the window gives them.
    for (QDockWidget* d : findChildren<QDockWidget*>())
        if (d->objectName() != "outputDock") makeScrollable(d, dockWidgetArea(d) == Qt::BottomDockWidgetArea);
    // Taken once every dock exists and before a saved layout is restored: the default to return to.
    m_defaultState = saveState();
    QMenu* panels = m_viewMenu->addMenu("&Panels");
    auto docks = findChildren<QDockWidget*>();
    std::sort(docks.begin(), docks.end(),
              [](const QDockWidget* a, const QDockWidget* b) { return a->windowTitle() < b->windowTitle(); });
    for (QDockWidget* d : docks)
        panels->addAction(d->toggleViewAction());
    panels->addSeparator();
    for (QToolBar* t : findChildren<QToolBar*>())
        panels->addAction(t->toggleViewAction());
    auto* reset = m_viewMenu->addAction("Reset &layout", this, &MainWindow::resetLayout);
    reset->setObjectName("resetLayout");
    reset->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    reset->setToolTip("Show the default panels in their default places and fit the window to the screen");
}

void MainWindow::resetLayout() {
    restoreState(m_defaultState);
    for (auto* d : findChildren<QDockWidget*>())
        if (d->objectName() == "promptDock" || d->objectName() == "outputDock" ||
            d->objectName() == "metricsDock")
            d->show();
    resize(1280, 800);
    fitToScreen();
}

void MainWindow::restoreLayout() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    // A layout saved without the prompt panel (an older version, a classroom session) would open
    // with no place to type: the prompt panel always opens.
    if (auto* prompt = findChild<QDockWidget*>("promptDock")) prompt->show();
    fitToScreen();
}

void MainWindow::saveLayout() const {
    if (!m_persistLayout || (m_classroom && m_classroom->active())) return;
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
}

void MainWindow::fitToScreen() {
    // Saved on a bigger screen, or grown by an older version: shrink and move it onto this one.
    const QScreen* s = screen();
    if (!s) return;
    const QRect avail = s->availableGeometry();
    const QSize frame = frameGeometry().size() - geometry().size();
    const QSize room = avail.size() - frame;
    if (width() > room.width() || height() > room.height())
        resize(std::min(width(), room.width()), std::min(height(), room.height()));
    QRect g = frameGeometry();
    if (!avail.contains(g)) {
        g.moveLeft(std::clamp(g.left(), avail.left(), std::max(avail.left(), avail.right() - g.width() + 1)));
        g.moveTop(std::clamp(g.top(), avail.top(), std::max(avail.top(), avail.bottom() - g.height() + 1)));
        move(g.topLeft());
    }
}

} // namespace sinkscope::gui

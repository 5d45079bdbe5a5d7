#include "views/token_strip_area.h"

#include <QResizeEvent>
#include <QScrollBar>
#include <QTimer>
#include <algorithm>

namespace sinkscope {

TokenStripArea::TokenStripArea(TokenStrip* strip, int maxRows, QWidget* parent)
    : QScrollArea(parent), m_strip(strip), m_maxRows(maxRows) {
    setObjectName("tokenStripArea");
    setWidget(strip);
    setWidgetResizable(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(strip, &TokenStrip::rowsChanged, this, &TokenStripArea::fitHeight);
    connect(strip, &TokenStrip::tokenSelected, this, [this](int index) {
        const QRectF r = m_strip->chipRect(index);
        if (!r.isEmpty())
            ensureVisible(static_cast<int>(r.center().x()), static_cast<int>(r.center().y()), 0,
                          static_cast<int>(r.height()));
    });
    fitHeight();
}

void TokenStripArea::resizeEvent(QResizeEvent* e) {
    QScrollArea::resizeEvent(e);
    fitHeight();
}

void TokenStripArea::fitHeight() {
    // As tall as the rows at the viewport's width, up to maxRows (fewer in a short window: one row
    // per 200 px of its height, at least two); past that the strip scrolls.
    const int content = m_strip->heightForWidth(viewport()->width());
    const int rows = std::clamp(window() ? window()->height() / 200 : m_maxRows, 2, m_maxRows);
    const int cap = m_strip->heightForRows(rows);
    const int h = std::min(content, cap) + 2 * frameWidth();
    if (h != height() || minimumHeight() != h) setFixedHeight(h);
}

} // namespace sinkscope

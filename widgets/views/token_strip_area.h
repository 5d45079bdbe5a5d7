#pragma once
// TokenStripArea: the token strip in a scroll area of bounded height. A 2,000-token prompt wraps
// into ~100 rows of chips; shown whole, they grew the window past the screen and squeezed the
// heatmap to a sliver. Here the area is as tall as the strip's rows up to `maxRows` (fewer in a
// short window), scrolls past that, and brings the selected token into view.
#include "views/token_strip.h"

#include <QScrollArea>

namespace sinkscope {

class TokenStripArea : public QScrollArea {
    Q_OBJECT
public:
    explicit TokenStripArea(TokenStrip* strip, int maxRows = 5, QWidget* parent = nullptr);
    TokenStrip* strip() const { return m_strip; }
    int maxRows() const { return m_maxRows; }

protected:
    void resizeEvent(QResizeEvent* e) override;

private:
    void fitHeight();
    TokenStrip* m_strip;
    int m_maxRows;
};

} // namespace sinkscope

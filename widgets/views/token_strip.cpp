#include "views/token_strip.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPolygonF>
#include <QToolTip>
#include <algorithm>

namespace sinkscope {

namespace {
constexpr double kPad = 4, kGap = 3, kRow = 24;

QString shown(const std::string& t) {
    QString s = QString::fromStdString(t);
    s.replace('\n', "\\n").replace('\t', "\\t");
    return s.isEmpty() ? QString("␣") : s;
}
} // namespace

TokenStrip::TokenStrip(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setMouseTracking(true); // hover previews a query's attention
    setMinimumHeight(static_cast<int>(kRow + 2 * kGap));
}

void TokenStrip::setTokens(const std::vector<std::string>& text, const std::vector<std::int32_t>& ids) {
    m_text.clear();
    for (const auto& t : text)
        m_text.push_back(shown(t));
    m_ids = ids;
    if (m_selected >= static_cast<int>(m_text.size())) m_selected = -1;
    m_hovered = -1;
    if (m_span.second >= static_cast<int>(m_text.size())) clearSpan(); // a shorter prompt
    // Box layouts ignore height-for-width; wrap by asking for the rows this width needs.
    setMinimumHeight(heightForWidth(width()));
    updateGeometry();
    update();
    Q_EMIT rowsChanged();
}

void TokenStrip::setWeights(const std::vector<float>& given, const std::vector<double>& received) {
    m_given = given;
    m_received = received;
    update();
}

void TokenStrip::setSinkMarks(const std::vector<std::int64_t>& tokens, const QString& meaning) {
    m_sinkMarks = tokens;
    m_sinkMeaning = meaning;
    update();
}

void TokenStrip::setHighlighted(const std::vector<std::int64_t>& tokens, const QString& meaning) {
    m_highlighted = tokens;
    m_highlightMeaning = meaning;
    update();
}

void TokenStrip::select(int index) {
    m_selected = index;
    update();
    Q_EMIT tokenSelected(index);
}

std::vector<QRectF> TokenStrip::layout(int width) const {
    const QFontMetricsF fm(font());
    std::vector<QRectF> out;
    double x = kGap, y = kGap;
    for (const auto& t : m_text) {
        const double w = std::min(fm.horizontalAdvance(t) + 2 * kPad, width - 2 * kGap);
        if (x + w > width - kGap && x > kGap) {
            x = kGap;
            y += kRow + kGap;
        }
        out.emplace_back(x, y, w, kRow);
        x += w + kGap;
    }
    return out;
}

int TokenStrip::heightForRows(int rows) const {
    return static_cast<int>(std::max(1, rows) * (kRow + kGap) + kGap);
}

int TokenStrip::heightForWidth(int w) const {
    const auto rects = layout(w);
    return static_cast<int>(rects.empty() ? kRow + 2 * kGap : rects.back().bottom() + kGap);
}

void TokenStrip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const auto rects = layout(width());
    for (std::size_t i = 0; i < rects.size(); ++i) {
        const double g = i < m_given.size() ? static_cast<double>(m_given[i]) : 0.0;
        // Given attention as an orange fill; the selected query is outlined.
        p.fillRect(rects[i], QColor::fromRgbF(1.0, 1.0 - 0.55 * g, 1.0 - 0.9 * g));
        p.setPen(static_cast<int>(i) == m_selected  ? QPen(QColor(30, 144, 255), 2)
                 : static_cast<int>(i) == m_hovered ? QPen(QColor(30, 144, 255), 1, Qt::DashLine)
                                                    : QPen(Qt::gray));
        p.setBrush(Qt::NoBrush); // the previous chip's marks may have left a fill brush set
        p.drawRect(rects[i]);
        p.setPen(Qt::black);
        p.drawText(rects[i].adjusted(kPad, 0, -kPad, -3), Qt::AlignVCenter | Qt::AlignLeft, m_text[i]);
        if (i < m_received.size()) {
            const double r = std::clamp(m_received[i], 0.0, 1.0);
            p.fillRect(QRectF(rects[i].left(), rects[i].bottom() - 3, rects[i].width() * r, 3),
                       QColor(120, 40, 160));
        }
        const auto token = static_cast<std::int64_t>(i);
        if (static_cast<int>(i) >= m_span.first && static_cast<int>(i) <= m_span.second)
            p.fillRect(QRectF(rects[i].left(), rects[i].top(), rects[i].width(), 4), QColor(30, 100, 220));
        if (std::find(m_highlighted.begin(), m_highlighted.end(), token) != m_highlighted.end()) {
            p.setPen(QPen(QColor(30, 150, 60), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRect(rects[i].adjusted(1, 1, -1, -1));
        }
        if (std::find(m_sinkMarks.begin(), m_sinkMarks.end(), token) != m_sinkMarks.end()) {
            const QRectF& c = rects[i];
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(220, 60, 20));
            p.drawPolygon(
                QPolygonF({c.topRight(), c.topRight() - QPointF(8, 0), c.topRight() + QPointF(0, 8)}));
        }
    }
}

void TokenStrip::resizeEvent(QResizeEvent* e) {
    QWidget::resizeEvent(e);
    const int h = heightForWidth(width());
    if (h != minimumHeight()) {
        setMinimumHeight(h);
        Q_EMIT rowsChanged();
    }
}

QRectF TokenStrip::chipRect(int index) const {
    const auto rects = layout(width());
    return index >= 0 && index < static_cast<int>(rects.size()) ? rects[static_cast<std::size_t>(index)]
                                                                : QRectF();
}

int TokenStrip::chipAt(QPointF pos) const {
    const auto rects = layout(width());
    for (std::size_t i = 0; i < rects.size(); ++i)
        if (rects[i].contains(pos)) return static_cast<int>(i);
    return -1;
}

void TokenStrip::setSpan(int first, int last) {
    m_span = {std::min(first, last), std::max(first, last)};
    update();
    Q_EMIT spanMarked(m_span.first, m_span.second);
}

void TokenStrip::clearSpan() {
    m_span = {-1, -1};
    update();
    Q_EMIT spanCleared();
}

// A click selects the query; a drag over more than one chip, or a shift-click, marks a span.
void TokenStrip::mousePressEvent(QMouseEvent* e) {
    const int i = chipAt(e->position());
    if (i < 0) return;
    if (e->modifiers() & Qt::ShiftModifier) return setSpan(i, i);
    m_dragFrom = i;
    m_dragging = false;
    select(i);
}

void TokenStrip::mouseMoveEvent(QMouseEvent* e) {
    if (!(e->buttons() & Qt::LeftButton)) {
        if (const int i = chipAt(e->position()); i != m_hovered) {
            m_hovered = i;
            update();
            Q_EMIT tokenHovered(i);
        }
        return;
    }
    if (m_dragFrom < 0) return;
    const int i = chipAt(e->position());
    if (i < 0 || (i == m_dragFrom && !m_dragging)) return;
    m_dragging = true;
    m_span = {std::min(m_dragFrom, i), std::max(m_dragFrom, i)};
    update();
}

void TokenStrip::leaveEvent(QEvent* e) {
    QWidget::leaveEvent(e);
    if (m_hovered < 0) return;
    m_hovered = -1;
    update();
    Q_EMIT tokenHovered(-1);
}

void TokenStrip::mouseReleaseEvent(QMouseEvent*) {
    if (m_dragging) Q_EMIT spanMarked(m_span.first, m_span.second);
    m_dragFrom = -1;
    m_dragging = false;
}

bool TokenStrip::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        const auto rects = layout(width());
        for (std::size_t i = 0; i < rects.size(); ++i)
            if (rects[i].contains(help->pos())) {
                QString tip = QString("position %1, id %2").arg(i).arg(i < m_ids.size() ? m_ids[i] : -1);
                if (i < m_given.size())
                    tip += QString("\nattention from the selected query: %1")
                               .arg(static_cast<double>(m_given[i]), 0, 'g', 3);
                if (i < m_received.size())
                    tip += QString("\nreceived on average (α): %1").arg(m_received[i], 0, 'g', 3);
                const auto token = static_cast<std::int64_t>(i);
                if (std::find(m_sinkMarks.begin(), m_sinkMarks.end(), token) != m_sinkMarks.end())
                    tip += "\n" + m_sinkMeaning;
                if (std::find(m_highlighted.begin(), m_highlighted.end(), token) != m_highlighted.end())
                    tip += "\n" + m_highlightMeaning;
                if (static_cast<int>(i) >= m_span.first && static_cast<int>(i) <= m_span.second)
                    tip += QString("\nin the marked span %1-%2").arg(m_span.first).arg(m_span.second);
                QToolTip::showText(help->globalPos(), tip, this);
                return true;
            }
        QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

} // namespace sinkscope

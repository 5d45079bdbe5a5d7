#include "views/row_mechanism_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace sinkscope {

namespace {

using Kind = RowMechanism::Kind;

const QColor kBase(58, 106, 176);   // the unmodified run
const QColor kAfter(226, 120, 28);  // the intervened run
const QColor kExtra(120, 120, 120); // the extra logit column

bool finite(float v) {
    return std::isfinite(v);
}

QString number(double v, int decimals) {
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QString("–");
}

} // namespace

RowMechanismView::RowMechanismView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void RowMechanismView::setRow(RowMechanism row) {
    m_row = std::move(row);
    m_hover = -1;
    updateGeometry();
    update();
}

QFont RowMechanismView::valueFont() const {
    QFont f = font();
    f.setPointSizeF(font().pointSizeF() * 0.85);
    return f;
}

double RowMechanismView::gutter() const {
    return QFontMetricsF(font()).horizontalAdvance("−00.0") + 10;
}

double RowMechanismView::minSlot() const {
    // Room for a short token or a position label ("#123") and two thin bars.
    return std::max(30.0, QFontMetricsF(font()).horizontalAdvance("#000") + 8);
}

int RowMechanismView::columnsThatFit() const {
    return std::max(3, static_cast<int>((width() - gutter() - 8) / minSlot()));
}

void RowMechanismView::resizeEvent(QResizeEvent*) {
    if (const int fit = columnsThatFit(); fit != m_fit) {
        m_fit = fit;
        Q_EMIT fitChanged();
    }
}

QSize RowMechanismView::sizeHint() const {
    // As tall as the minimum: the panel's scroll area sizes its contents by their hints, and the
    // view grows into whatever height the panel has (Expanding).
    return {static_cast<int>(gutter()) + std::max<int>(8, static_cast<int>(m_row.columns.size())) * 64,
            minimumSizeHint().height()};
}

QSize RowMechanismView::minimumSizeHint() const {
    // Five fixed lines of text and two bands of bars that still read; the caller fits the columns
    // to the width (columnsThatFit), so a narrow panel is never pushed wider.
    const int line = QFontMetrics(font()).height();
    return {static_cast<int>(gutter() + 5 * minSlot()), line * 6 + 70};
}

RowMechanismView::Geometry RowMechanismView::geometry() const {
    const double line = QFontMetricsF(font()).height();
    const double left = gutter(), right = 8, w = std::max(1.0, width() - left - right);
    // Fixed lines: the scores title and legend, the rule with the weights title, two label lines.
    // Short of height (a 720-pixel screen with every panel open), the bars keep it: the position
    // line under the tokens goes, and the numbers at the bars' ends (hover still reads them).
    Geometry g;
    g.compact = height() < line * 6 + 150;
    const double labelLines = g.compact ? 1.2 : 2.2;
    const double bands = std::max(60.0, height() - (3.0 + labelLines) * line - 8);
    g.lo = 0;
    g.hi = 0;
    g.scores = QRectF(left, 4 + line * 1.3, w, bands * 0.42);
    g.rule = QRectF(left, g.scores.bottom(), w, line * 1.7);
    g.weights = QRectF(left, g.rule.bottom(), w, bands * 0.58);
    g.labels = QRectF(left, g.weights.bottom() + 2, w, line * labelLines);
    g.slot = m_row.columns.empty() ? w : w / static_cast<double>(m_row.columns.size());
    // The score axis: the scores' own range, with zero.
    for (const auto& c : m_row.columns)
        for (float z : {c.score, c.scoreAfter})
            if (std::isfinite(z)) {
                g.lo = std::min<double>(g.lo, z);
                g.hi = std::max<double>(g.hi, z);
            }
    g.lo = std::min(g.lo, 0.0);
    if (g.hi - g.lo < 1e-6) g.hi = g.lo + 1;
    const double room = g.compact ? 0.0 : QFontMetricsF(valueFont()).height();
    g.scorePlot = g.scores.adjusted(0, room, 0, g.lo < 0 ? -room : 0);
    g.weightPlot = g.weights.adjusted(0, room, 0, 0);
    return g;
}

int RowMechanismView::columnAt(QPointF pos) const {
    const Geometry g = geometry();
    if (m_row.columns.empty() || pos.x() < g.scores.left() || pos.x() >= g.scores.right() ||
        pos.y() < g.scores.top() || pos.y() > g.labels.bottom())
        return -1;
    return std::clamp(static_cast<int>((pos.x() - g.scores.left()) / g.slot), 0,
                      static_cast<int>(m_row.columns.size()) - 1);
}

QString RowMechanismView::readout(int column) const {
    if (column < 0 || column >= static_cast<int>(m_row.columns.size())) return {};
    const auto& c = m_row.columns[static_cast<std::size_t>(column)];
    const auto score = [](float z) {
        return finite(z) ? QString::number(z, 'f', 4) : QString("hidden (outside the window)");
    };
    if (c.kind == Kind::Rest)
        return QString("the %1 keys not drawn: weight %2%3")
            .arg(c.key)
            .arg(number(c.weight, 4))
            .arg(m_row.hasAfter ? QString(" · intervened %1").arg(number(c.weightAfter, 4)) : QString());
    const QString who = c.kind == Kind::ExtraLogit ? QString("extra logit b (no value)")
                                                   : QString("key %1 '%2'").arg(c.key).arg(c.token);
    QString s = QString("%1: score %2 → weight %3").arg(who, score(c.score), number(c.weight, 4));
    if (m_row.hasAfter)
        s +=
            QString(" · intervened: score %1 → weight %2").arg(score(c.scoreAfter), number(c.weightAfter, 4));
    return s;
}

void RowMechanismView::mouseMoveEvent(QMouseEvent* e) {
    const int c = columnAt(e->position());
    if (c != m_hover) {
        m_hover = c;
        update();
        Q_EMIT hovered(readout(c));
    }
    if (c >= 0)
        QToolTip::showText(e->globalPosition().toPoint(), readout(c), this);
    else
        QToolTip::hideText();
}

void RowMechanismView::leaveEvent(QEvent*) {
    m_hover = -1;
    update();
    Q_EMIT hovered({});
}

void RowMechanismView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QColor text = palette().text().color();
    const QColor faint = palette().mid().color();
    const QFontMetricsF fm(font());
    const double line = fm.height();
    const Geometry g = geometry();
    const auto& cols = m_row.columns;
    if (cols.empty()) {
        p.setPen(text);
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   "select a query token (a row of the map) to see its scores");
        return;
    }

    // Titles: the scores with the legend on their line, the weights beside the rule.
    QFont bold = font();
    bold.setBold(true);
    const QFontMetricsF bm(bold);
    const QString scoresTitle = "1  score  z_j = q_i · k_j / √d", weightsTitle = "2  weight  w_j";
    p.setPen(text);
    p.setFont(bold);
    p.drawText(QRectF(4, 4, bm.horizontalAdvance(scoresTitle) + 2, line), Qt::AlignLeft | Qt::AlignVCenter,
               scoresTitle);
    p.drawText(QRectF(4, g.rule.top(), bm.horizontalAdvance(weightsTitle) + 2, g.rule.height()),
               Qt::AlignLeft | Qt::AlignVCenter, weightsTitle);
    p.setFont(font());
    {
        double x = width() - 8.0;
        const double floor = 4 + bm.horizontalAdvance(scoresTitle) + line;
        auto swatch = [&](const QColor& c, const QString& label) {
            const QString shown = fm.elidedText(label, Qt::ElideRight, std::max(0.0, x - line * 1.5 - floor));
            const double w = fm.horizontalAdvance(shown);
            if (shown.isEmpty()) return;
            x -= w;
            p.setPen(text);
            p.drawText(QRectF(x, 4, w + 1, line), Qt::AlignLeft | Qt::AlignVCenter, shown);
            x -= line * 0.9;
            p.fillRect(QRectF(x, 4 + line * 0.2, line * 0.6, line * 0.6), c);
            x -= line;
        };
        if (m_row.hasAfter) swatch(kAfter, "intervened: " + m_row.afterName);
        swatch(kBase, m_row.hasAfter ? "unmodified" : "this row");
    }
    // The rule, centred in what the weights title leaves of its line.
    const double ruleLeft = 4 + bm.horizontalAdvance(weightsTitle) + line;
    const QRectF ruleRect(ruleLeft, g.rule.top(), std::max(0.0, width() - 8 - ruleLeft), g.rule.height());
    p.drawText(ruleRect, Qt::AlignCenter,
               fm.elidedText("↓  " + m_row.rule + "  ↓", Qt::ElideMiddle, ruleRect.width()));

    // Axes: scores over their own range (with zero), weights over 0–1.
    p.setPen(QPen(faint, 1, Qt::DashLine));
    for (double w : {0.25, 0.5, 0.75, 1.0})
        p.drawLine(QPointF(g.weightPlot.left(), g.yWeight(w)), QPointF(g.weightPlot.right(), g.yWeight(w)));
    p.setPen(QPen(faint, 1));
    p.drawLine(QPointF(g.scores.left(), g.yScore(0)), QPointF(g.scores.right(), g.yScore(0)));
    p.drawLine(g.weights.bottomLeft(), g.weights.bottomRight());
    p.drawLine(g.scores.topLeft(), g.scores.bottomLeft());
    p.drawLine(g.weights.topLeft(), g.weights.bottomLeft());
    p.setPen(text);
    const auto axisLabel = [&](double y, const QString& s) {
        p.drawText(QRectF(0, y - line / 2, g.scores.left() - 4, line), Qt::AlignRight | Qt::AlignVCenter, s);
    };
    // The ends of the score axis only where they clear the zero label.
    axisLabel(g.yScore(0), "0");
    if (g.yScore(0) - g.yScore(g.hi) >= line) axisLabel(g.yScore(g.hi), QString::number(g.hi, 'f', 1));
    if (g.lo < 0 && g.yScore(g.lo) - g.yScore(0) >= line)
        axisLabel(g.yScore(g.lo), QString::number(g.lo, 'f', 1));
    axisLabel(g.yWeight(1), "1");
    if (g.weightPlot.height() >= 2 * line) axisLabel(g.yWeight(0.5), "0.5");
    axisLabel(g.yWeight(0), "0");

    for (std::size_t i = 0; i < cols.size(); ++i)
        paintColumn(p, g, i);
}

void RowMechanismView::paintColumn(QPainter& p, const Geometry& g, std::size_t i) const {
    const auto& c = m_row.columns[i];
    const QColor text = palette().text().color();
    const QColor faint = palette().mid().color();
    const double line = QFontMetricsF(font()).height();
    const double x0 = g.scores.left() + g.slot * static_cast<double>(i);
    if (static_cast<int>(i) == m_hover)
        p.fillRect(QRectF(x0, g.scores.top(), g.slot, g.labels.bottom() - g.scores.top()),
                   palette().alternateBase());
    // Keys left out between two drawn ones: a dotted divider.
    const auto& cols = m_row.columns;
    if (i > 0 && (c.kind != Kind::Key || (cols[i - 1].kind == Kind::Key && c.key != cols[i - 1].key + 1))) {
        p.setPen(QPen(faint, 1, Qt::DotLine));
        p.drawLine(QPointF(x0, g.scores.top()), QPointF(x0, g.labels.bottom()));
    }
    // Values in a slightly smaller type where a bar is wide enough to own its number.
    const QFont small = valueFont();
    const QFontMetricsF sm(small);
    const int perColumn = m_row.hasAfter ? 2 : 1;
    const double bar = std::max(2.0, g.slot * (m_row.hasAfter ? 0.42 : 0.62));
    const int decimals = bar + 6 >= sm.horizontalAdvance("−0.00")  ? 2
                         : bar + 6 >= sm.horizontalAdvance("−0.0") ? 1
                                                                   : -1;
    const auto value = [&](const QRectF& where, double v, int places) {
        p.setPen(text);
        p.setFont(small);
        QString s = QString::number(v, 'f', places);
        if (places == 2 && v >= 0 && v < 1 && bar + 6 < sm.horizontalAdvance(s)) s = s.mid(1); // ".06"
        p.drawText(where, Qt::AlignCenter, s);
        p.setFont(font());
    };
    const double barsWidth = bar * perColumn + (perColumn - 1) * 2;
    for (int k = 0; k < perColumn; ++k) {
        const float z = k == 0 ? c.score : c.scoreAfter, w = k == 0 ? c.weight : c.weightAfter;
        QColor colour = c.kind == Kind::ExtraLogit ? kExtra : k == 0 ? kBase : kAfter;
        if (c.kind == Kind::Rest) colour.setAlpha(110);
        const QBrush brush = c.kind == Kind::ExtraLogit ? QBrush(colour, Qt::BDiagPattern) : QBrush(colour);
        const double x = x0 + (g.slot - barsWidth) / 2 + k * (bar + 2);
        if (finite(z)) {
            const QRectF r(QPointF(x, g.yScore(std::max<double>(0, z))),
                           QPointF(x + bar, g.yScore(std::min<double>(0, z))));
            p.fillRect(r, brush);
            if (c.kind == Kind::ExtraLogit) {
                p.setPen(colour);
                p.drawRect(r);
            }
            if (decimals > 0 && !g.compact)
                value(z >= 0 ? QRectF(x - 10, r.top() - sm.height(), bar + 20, sm.height())
                             : QRectF(x - 10, r.bottom(), bar + 20, sm.height()),
                      z, decimals);
        } else if (c.kind == Kind::Key && !std::isnan(z)) { // -inf: outside the query's window
            p.setPen(text);
            p.drawText(QRectF(x - 8, g.yScore(0) - line, bar + 16, line), Qt::AlignCenter, "×");
        }
        if (std::isfinite(w)) {
            const QRectF r(QPointF(x, g.yWeight(std::clamp<double>(w, 0.0, 1.0))),
                           QPointF(x + bar, g.weights.bottom()));
            p.fillRect(r, brush);
            if (c.kind == Kind::ExtraLogit) {
                p.setPen(colour);
                p.drawRect(r);
            }
            if (!g.compact && (decimals > 0 || w >= 0.05))
                value(QRectF(x - 10, r.top() - sm.height(), bar + 20, sm.height()), w, 2);
        }
    }
    // The key's token, then its position; the query's own key in bold.
    QFont f = font();
    f.setBold(c.kind == Kind::Key && c.key == m_row.query);
    const QFontMetricsF lf(f);
    p.setFont(f);
    p.setPen(c.kind == Kind::Key ? text : kExtra);
    p.drawText(QRectF(x0 + 1, g.labels.top(), g.slot - 2, line), Qt::AlignHCenter | Qt::AlignTop,
               lf.elidedText(c.token, Qt::ElideRight, g.slot - 2));
    p.setFont(font());
    p.setPen(faint.darker(130));
    QString position = c.kind == Kind::Rest         ? QString("rest")
                       : c.kind == Kind::ExtraLogit ? QString("no value")
                                                    : QString("#%1").arg(c.key);
    if (c.kind == Kind::Key && c.key == m_row.query && lf.horizontalAdvance(position + " query") < g.slot - 2)
        position += " query";
    if (g.compact) return;
    p.drawText(QRectF(x0, g.labels.top() + line, g.slot, line), Qt::AlignHCenter | Qt::AlignTop,
               QFontMetricsF(font()).elidedText(position, Qt::ElideRight, g.slot));
}

} // namespace sinkscope

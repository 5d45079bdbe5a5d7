#include "views/probability_bars.h"

#include <QApplication>
#include <QPainter>
#include <algorithm>

namespace sinkscope {

void ProbabilityBars::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const QVariant v = index.data(Qt::UserRole);
    if (!v.isValid()) {
        QStyledItemDelegate::paint(p, option, index);
        return;
    }
    const double prob = std::clamp(v.toDouble(), 0.0, 1.0);
    QStyleOptionViewItem o = option;
    initStyleOption(&o, index);
    // Background and selection as the style draws them, without the text: the token is elided and
    // the probability kept whole, so a narrow column (classroom type) never hides the number.
    const QString token = o.text;
    o.text.clear();
    QWidget* w = const_cast<QWidget*>(option.widget);
    (w ? w->style() : QApplication::style())->drawControl(QStyle::CE_ItemViewItem, &o, p, w);
    QRectF bar = QRectF(option.rect).adjusted(1, 3, -1, -3);
    bar.setWidth(bar.width() * prob);
    p->fillRect(bar, QColor(86, 160, 230, 110));
    const QRect area = option.rect.adjusted(4, 0, -4, 0);
    const QString number = QString::number(prob, 'f', 4);
    const QFontMetrics fm(o.font);
    const int numberWidth = fm.horizontalAdvance(number);
    p->save();
    p->setFont(o.font);
    p->setPen(
        o.palette.color(option.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text));
    p->drawText(area, Qt::AlignRight | Qt::AlignVCenter, number);
    const QRect left = area.adjusted(0, 0, -numberWidth - fm.horizontalAdvance(' '), 0);
    p->drawText(left, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(token, Qt::ElideRight, left.width()));
    p->restore();
}

} // namespace sinkscope

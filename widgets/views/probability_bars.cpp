#include "views/probability_bars.h"

#include <QPainter>
#include <algorithm>

namespace sinkscope {

void ProbabilityBars::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const QVariant v = index.data(Qt::UserRole);
    if (v.isValid()) {
        const double prob = std::clamp(v.toDouble(), 0.0, 1.0);
        QRectF bar = QRectF(option.rect).adjusted(1, 3, -1, -3);
        bar.setWidth(bar.width() * prob);
        p->fillRect(bar, QColor(86, 160, 230, 110));
    }
    QStyledItemDelegate::paint(p, option, index);
}

} // namespace sinkscope

#pragma once
// ProbabilityBars: an item delegate that draws a table cell's probability (Qt::UserRole, 0..1) as
// a horizontal bar behind its text, so base and intervened top-k compare at a glance, and prints
// the probability right-aligned beside the cell's text (the token), which alone is elided.
#include <QStyledItemDelegate>

namespace sinkscope {

class ProbabilityBars : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace sinkscope

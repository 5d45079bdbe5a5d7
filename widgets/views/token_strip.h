#pragma once
// TokenStrip: the prompt's tokens as chips (ids on hover). Clicking a chip selects it as the
// query: its chips then show, for the current head, the attention the query gives to each token
// (fill; hovering a chip previews its row the same way) and, underlined, the attention each token receives on
// average (alpha_j). Other views mark tokens on it: sink tokens found without attention (a red corner) and
// highlighted tokens (a green frame), each with what the mark means in the tooltip. Dragging across chips (or
// shift-clicking one) marks a token span, drawn as a blue bar over its chips.
#include <QWidget>
#include <string>
#include <utility>
#include <vector>

namespace sinkscope {

class TokenStrip : public QWidget {
    Q_OBJECT
public:
    explicit TokenStrip(QWidget* parent = nullptr);
    void setTokens(const std::vector<std::string>& text, const std::vector<std::int32_t>& ids);
    // given[j]: attention the selected query gives to token j; received[j]: alpha_j.
    void setWeights(const std::vector<float>& given, const std::vector<double>& received);
    // Sink tokens by a detector other than alpha (e.g. phi_l(t) >= tau): a red corner triangle.
    void setSinkMarks(const std::vector<std::int64_t>& tokens, const QString& meaning);
    // Tokens to highlight (e.g. the tokens a head catches): a green frame.
    void setHighlighted(const std::vector<std::int64_t>& tokens, const QString& meaning);
    const std::vector<std::int64_t>& sinkMarks() const { return m_sinkMarks; }
    const std::vector<std::int64_t>& highlighted() const { return m_highlighted; }
    // The marked span, inclusive; {-1, -1} when none.
    std::pair<int, int> span() const { return m_span; }
    void setSpan(int first, int last); // emits spanMarked
    void clearSpan();                  // emits spanCleared
    int selected() const { return m_selected; }
    int hovered() const { return m_hovered; } // the chip under the mouse, -1: none
    const std::vector<float>& given() const { return m_given; }
    void select(int index);
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int w) const override;
    int heightForRows(int rows) const; // the height of `rows` rows of chips
    QRectF chipRect(int index) const;  // where token index is drawn (empty when out of range)

Q_SIGNALS:
    void tokenSelected(int index);
    // The mouse moved onto chip `index` (-1: off every chip): a preview of that query's attention.
    void tokenHovered(int index);
    void rowsChanged(); // the height the chips need changed (new tokens, another width)
    void spanMarked(int first, int last);
    void spanCleared();

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    bool event(QEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    void leaveEvent(QEvent* e) override;

private:
    std::vector<QRectF> layout(int width) const;
    int chipAt(QPointF pos) const;
    std::vector<QString> m_text;
    std::vector<std::int32_t> m_ids;
    std::vector<float> m_given;
    std::vector<double> m_received;
    std::vector<std::int64_t> m_sinkMarks, m_highlighted;
    QString m_sinkMeaning, m_highlightMeaning;
    int m_selected = -1;
    int m_hovered = -1;
    std::pair<int, int> m_span{-1, -1};
    int m_dragFrom = -1;
    bool m_dragging = false;
};

} // namespace sinkscope

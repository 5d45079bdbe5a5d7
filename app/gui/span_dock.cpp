#include "span_dock.h"

#include "intervention_panel.h"
#include "views/head_grid.h"
#include "views/token_strip.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <set>

namespace sinkscope::gui {

SpanDock::SpanDock(TokenStrip* strip, HeadGrid* grid, InterventionPanel* panel, QWidget* parent)
    : QDockWidget("Span heads", parent), m_strip(strip), m_grid(grid), m_panel(panel) {
    setObjectName("spanDock");
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    m_label = new QLabel("Drag across tokens on the token strip (or shift-click one) to mark a span.");
    m_label->setWordWrap(true);
    v->addWidget(m_label);
    auto* row = new QHBoxLayout;
    auto spin = [&](const QString& prefix, double value, const QString& tip) {
        auto* s = new QDoubleSpinBox;
        s->setRange(0.0, 1.0);
        s->setSingleStep(0.05);
        s->setValue(value);
        s->setPrefix(prefix);
        s->setToolTip(tip);
        connect(s, &QDoubleSpinBox::valueChanged, this, &SpanDock::score);
        row->addWidget(s);
        return s;
    };
    m_minMass = spin("mass ≥ ", 0.2, "Mean attention the later queries give the span");
    m_minRatio = spin("ratio ≥ ", 0.6, "Share of that attention on the span's non-sink tokens");
    m_use = new QPushButton("Use in intervention");
    m_use->setToolTip("Custom SPEC: redistribute:p=0.6,to=A-B,heads=span (VAR: only these heads)");
    m_use->setEnabled(false);
    connect(m_use, &QPushButton::clicked, this, &SpanDock::useInIntervention);
    auto* clear = new QPushButton("Clear span");
    connect(clear, &QPushButton::clicked, this, &SpanDock::clearSpan);
    row->addStretch();
    row->addWidget(m_use);
    row->addWidget(clear);
    v->addLayout(row);
    m_table = new QTableWidget(0, 4);
    m_table->setHorizontalHeaderLabels({"layer", "head", "mass", "ratio"});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int r) {
        if (!m_grid) return;
        const int l = m_table->item(r, 0)->text().toInt(), h = m_table->item(r, 1)->text().toInt();
        m_grid->setCurrent(l, h);
        Q_EMIT m_grid->headActivated(l, h); // the window opens the head as on a grid click
    });
    v->addWidget(m_table, 1);
    setWidget(body);
    if (m_strip) {
        connect(m_strip, &TokenStrip::spanMarked, this, &SpanDock::setSpan);
        connect(m_strip, &TokenStrip::spanCleared, this, [this] {
            if (m_first >= 0) clearSpan();
        });
    }
}

void SpanDock::setRun(RunViewPtr view) {
    m_run = std::move(view);
    if (m_run && m_last >= m_run->T) return clearSpan();
    score();
}

void SpanDock::setSpan(int first, int last) {
    m_first = std::min(first, last);
    m_last = std::max(first, last);
    if (m_strip && m_strip->span() != std::pair{m_first, m_last}) m_strip->setSpan(m_first, m_last);
    score();
}

void SpanDock::clearSpan() {
    m_first = m_last = -1;
    if (m_strip && m_strip->span().first >= 0) m_strip->clearSpan();
    score();
}

// Every head on the unmodified run (the map the CLI's metrics pass scores), sink set {0}.
void SpanDock::score() {
    m_scores.clear();
    m_table->setRowCount(0);
    std::set<std::pair<int, int>> lit;
    if (!m_run || m_first < 0) {
        if (m_grid) m_grid->setLit({});
        m_use->setEnabled(false);
        if (m_first < 0)
            m_label->setText("Drag across tokens on the token strip (or shift-click one) to mark a span.");
        return;
    }
    const SpanHeadOptions o{m_minMass->value(), m_minRatio->value()};
    const std::int64_t T = m_run->T;
    m_scores.assign(static_cast<std::size_t>(m_run->layers), {});
    std::vector<std::tuple<double, int, int, double>> rows; // mass, layer, head, ratio
    for (int l = 0; l < m_run->layers; ++l)
        for (int h = 0; h < m_run->heads; ++h) {
            if (!m_run->hasLayer(l)) { // maps not kept for this layer: scored as not selected
                m_scores[static_cast<std::size_t>(l)].push_back({});
                continue;
            }
            const SpanHeadScore s = spanHeadScore(m_run->mapView(false, l, h), m_first, m_last, {0}, o);
            m_scores[static_cast<std::size_t>(l)].push_back(s);
            if (s.selected) {
                lit.insert({l, h});
                rows.emplace_back(s.mass, l, h, s.ratio);
            }
        }
    std::sort(rows.begin(), rows.end(), std::greater<>());
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const auto& [mass, l, h, ratio] = rows[static_cast<std::size_t>(r)];
        const QString cells[4] = {QString::number(l), QString::number(h), QString::number(mass, 'f', 3),
                                  QString::number(ratio, 'f', 3)};
        for (int c = 0; c < 4; ++c)
            m_table->setItem(r, c, new QTableWidgetItem(cells[c]));
    }
    if (m_grid) m_grid->setLit(lit);
    QStringList text;
    for (int t = m_first; t <= m_last && t < static_cast<int>(m_run->tokens.size()); ++t)
        text << QString::fromStdString(m_run->tokens[static_cast<std::size_t>(t)]);
    const bool queries = m_last + 1 < T;
    m_label->setText(QString("Span %1–%2 “%3”: %4 span-centric head%5 (gold in the grid)%6")
                         .arg(m_first)
                         .arg(m_last)
                         .arg(text.join("").left(60).toHtmlEscaped())
                         .arg(lit.size())
                         .arg(lit.size() == 1 ? "" : "s")
                         .arg(queries ? "" : " — no query comes after the span, so no head can be scored"));
    m_use->setEnabled(true);
    Q_EMIT scored();
}

void SpanDock::useInIntervention() {
    if (m_panel && m_first >= 0) m_panel->useSpan(m_first, m_last);
}

} // namespace sinkscope::gui

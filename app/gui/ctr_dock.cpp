#include "ctr_dock.h"

#include "dock_room.h"
#include "figures/labels.h"
#include "metrics/method_defaults.h"
#include "views/bar_chart.h"
#include "views/pc_scatter.h"
#include "views/token_strip.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

namespace sinkscope::gui {

namespace {

const QString kReadoutHint = "hover a bar or a point: its token and value";

// The token as the figures print it (control characters escaped, long ones elided).
QString tokenText(const CtrView& v, std::int64_t t) {
    return t >= 0 && t < static_cast<std::int64_t>(v.tokens.size())
               ? QString::fromStdString(displayLabel(v.tokens[static_cast<std::size_t>(t)], 16))
               : QString();
}

// "token 'the' (#3)": what the hover readouts call a caught token.
QString tokenName(const CtrView& v, std::int64_t t) {
    return QString("token '%1' (#%2)").arg(tokenText(v, t)).arg(t);
}

QString optional(const std::optional<double>& v) {
    return v ? QString::number(*v, 'f', 3) : QString("–");
}

} // namespace

CtrDock::CtrDock(TokenStrip* strip, QWidget* parent)
    : QDockWidget("Catch, tag, release", parent), m_strip(strip) {
    setObjectName("ctrDock");
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    auto* top = new QHBoxLayout;
    m_theta = new QDoubleSpinBox;
    m_theta->setRange(0.01, 1.0);
    m_theta->setSingleStep(0.05);
    m_theta->setDecimals(2);
    m_theta->setValue(kCatchTheta);
    m_theta->setPrefix("θ = ");
    m_theta->setToolTip("A token i > sink is caught when A[i, sink] ≥ θ (metrics --theta)");
    top->addWidget(m_theta);
    m_summary = new QLabel("select a head; run a prompt");
    m_summary->setWordWrap(true);
    top->addWidget(m_summary, 1);
    v->addLayout(top);
    auto* plots = new QHBoxLayout;
    m_bars = new BarChart;
    m_scatter = new PcScatter;
    plots->addWidget(m_bars, 3);
    plots->addWidget(m_scatter, 2);
    v->addLayout(plots, 1);
    m_readout = new QLabel(kReadoutHint);
    m_readout->setObjectName("ctrReadout");
    m_readout->setTextFormat(Qt::PlainText);
    // One line that may be cut rather than widen the dock (which would then scroll sideways).
    m_readout->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    v->addWidget(m_readout);
    const auto show = [this](const QString& r) { m_readout->setText(r.isEmpty() ? kReadoutHint : r); };
    connect(m_bars, &BarChart::hovered, this, show);
    connect(m_scatter, &PcScatter::hovered, this, show);
    setWidget(body);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(150);
    connect(m_debounce, &QTimer::timeout, this, &CtrDock::requestIfNeeded);
    connect(m_theta, &QDoubleSpinBox::valueChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        m_onScreen = visible;
        if (visible) giveRoomOnFirstShow(this, m_roomGiven);
        markStrip(visible);
        if (visible) requestIfNeeded();
    });
}

void CtrDock::setRun(RunViewPtr view) {
    m_run = std::move(view);
    if (!m_run || m_run->promptSerial == 0) {
        markStrip(false);
        m_bars->setBars({}, {}, {});
        m_scatter->setData({}, {}, {}, {}, {});
        m_summary->setText("Not available for this run: catch-tag-release needs the model's head values "
                           "(a stored run keeps attention only). Run the prompt live.");
        return;
    }
    requestIfNeeded();
    showHead();
}

void CtrDock::setHead(int layer, int head) {
    m_layer = layer;
    m_head = head;
    showHead();
}

void CtrDock::setTheta(double theta) {
    m_theta->setValue(theta);
    requestIfNeeded(); // now, not after the debounce
}

double CtrDock::theta() const {
    return m_theta->value();
}

// One request per (prompt, theta), and only while someone looks at the dock.
void CtrDock::requestIfNeeded() {
    if (!m_run || m_run->promptSerial == 0 || !m_onScreen) return;
    const double theta = m_theta->value();
    if (m_ctr && m_ctr->promptSerial == m_run->promptSerial && m_ctr->options.theta == theta) return;
    if (m_requestedSerial == m_run->promptSerial && m_requestedTheta == theta) return;
    m_requestedSerial = m_run->promptSerial;
    m_requestedTheta = theta;
    m_summary->setText("computing…");
    Q_EMIT requested(theta);
}

void CtrDock::showScores(CtrViewPtr view) {
    // A late answer for an older prompt or theta is dropped; the newer request is on its way.
    if (!m_run || view->promptSerial != m_run->promptSerial || view->options.theta != m_theta->value())
        return;
    m_ctr = std::move(view);
    m_requestedTheta = -1;
    showHead();
}

void CtrDock::markStrip(bool on) {
    if (!m_strip) return;
    const bool have = on && m_ctr && m_run && m_ctr->promptSerial == m_run->promptSerial &&
                      m_layer < m_ctr->layers && m_head < m_ctr->heads;
    if (!have) {
        m_strip->setHighlighted({}, {});
        return;
    }
    m_strip->setHighlighted(m_ctr->at(m_layer, m_head).caughtTokens,
                            QString("caught by layer %1 head %2: A[i, %3] ≥ θ = %4")
                                .arg(m_layer)
                                .arg(m_head)
                                .arg(m_ctr->options.sink)
                                .arg(m_ctr->options.theta));
}

void CtrDock::showHead() {
    if (!m_ctr || !m_run || m_ctr->promptSerial != m_run->promptSerial || m_layer >= m_ctr->layers ||
        m_head >= m_ctr->heads)
        return;
    const CtrScore& s = m_ctr->at(m_layer, m_head);
    m_summary->setText(QString("<b>layer %1 · head %2</b>: caught %3 · tag share %4 · PC1 variance %5 · "
                               "|cos(PC1, u)| %6")
                           .arg(m_layer)
                           .arg(m_head)
                           .arg(s.caught)
                           .arg(optional(s.tagShare), optional(s.pc1Var), optional(s.pc1CosTag)));
    std::vector<QString> labels, names;
    for (auto t : s.caughtTokens) {
        labels.push_back(tokenText(*m_ctr, t));
        names.push_back(tokenName(*m_ctr, t));
    }
    m_bars->setBars(labels, s.tagSharePerToken, "tag share A[i,s]·‖u‖ / ‖o_i‖ per caught token");
    m_bars->setNames(names, "tag share");
    m_readout->setText(kReadoutHint);
    std::vector<PcScatter::Point> points;
    if (s.pc1Var)
        for (std::size_t i = 0; i < s.caughtTokens.size() && i < s.pcProjection.size(); ++i)
            points.push_back({s.pcProjection[i][0], s.pcProjection[i][1],
                              tokenText(*m_ctr, s.caughtTokens[i]), tokenName(*m_ctr, s.caughtTokens[i])});
    m_scatter->setData(points, QPointF(s.tagProjection[0], s.tagProjection[1]), "tag u",
                       s.pc1Var ? QString("PC1 (%1 % of variance)").arg(*s.pc1Var * 100, 0, 'f', 0) : "PC1",
                       "PC2");
    markStrip(m_onScreen);
    Q_EMIT shown();
}

} // namespace sinkscope::gui

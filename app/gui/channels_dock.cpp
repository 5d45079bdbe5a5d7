#include "channels_dock.h"

#include "dock_room.h"
#include "figures/figure_builders.h"
#include "figures/labels.h"
#include "views/channel_map_view.h"
#include "views/token_strip.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

namespace sinkscope::gui {

namespace {

const QString kReadoutHint =
    "hover a cell: its token, channel and r · wheel: zoom the channels · Ctrl+wheel: "
    "the tokens · drag: pan · double-click: all";

QString list(const std::vector<std::int64_t>& v) {
    QStringList s;
    for (auto x : v)
        s << QString::number(x);
    return s.isEmpty() ? QString("none") : s.join(", ");
}

} // namespace

ChannelsDock::ChannelsDock(TokenStrip* strip, QWidget* parent)
    : QDockWidget("Channels (sink dimensions)", parent), m_strip(strip) {
    setObjectName("channelsDock");
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    auto* top = new QHBoxLayout;
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, 0);
    m_slider->setPageStep(1);
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_slider->setToolTip("Residual state l: l enters layer l, the last one leaves the last layer");
    connect(m_slider, &QSlider::valueChanged, this, [this] {
        markStrip();
        showState();
    });
    auto* exportButton = new QPushButton("Export…");
    exportButton->setToolTip("This state's channel map as PNG/SVG/PDF (metrics --channels-out)");
    connect(exportButton, &QPushButton::clicked, this, [this] {
        if (!m_run || !m_run->hiddenStates) return;
        const QString path = QFileDialog::getSaveFileName(this, "Export the channel map",
                                                          QString("channels_state%1.png").arg(state()),
                                                          "Figures (*.png *.svg *.pdf)");
        if (!path.isEmpty()) exportFigure(path);
    });
    top->addWidget(new QLabel("state"));
    top->addWidget(m_slider, 1);
    top->addWidget(exportButton);
    v->addLayout(top);
    m_info = new QLabel("run a prompt to see its residual channels");
    m_info->setWordWrap(true);
    m_info->setTextFormat(Qt::RichText);
    v->addWidget(m_info);
    m_view = new ChannelMapView;
    v->addWidget(m_view, 1);
    m_readout = new QLabel;
    m_readout->setObjectName("channelsReadout");
    m_readout->setTextFormat(Qt::PlainText);
    // One line that may be cut rather than widen the dock (which would then scroll sideways).
    m_readout->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    v->addWidget(m_readout);
    connect(m_view, &ChannelMapView::cellHovered, this, [this](qint64 row, qint64 col) {
        const QString text = row >= 0 ? cellReadout(row, col) : QString();
        m_readout->setText(text.isEmpty() ? kReadoutHint : text);
        Q_EMIT hovered(text);
    });
    m_readout->setText(kReadoutHint);
    setWidget(body);
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        m_onScreen = visible;
        if (visible) giveRoomOnFirstShow(this, m_roomGiven);
        if (visible && m_stale) showState();
    });
}

void ChannelsDock::setRun(RunViewPtr view) {
    // Runs of one prompt share its residual stream: an intervention toggle changes nothing here.
    const bool samePrompt = m_run && view && view->hiddenStates && m_run->hiddenStates == view->hiddenStates;
    m_run = std::move(view);
    if (samePrompt) return;
    const int states =
        m_run && m_run->hiddenStates ? static_cast<int>(m_run->hiddenStates->states.size()) : 1;
    {
        const QSignalBlocker quiet(m_slider);
        m_slider->setRange(0, std::max(0, states - 1));
    }
    markStrip();
    showState();
}

int ChannelsDock::state() const {
    return m_slider->value();
}

void ChannelsDock::setState(int state) {
    m_slider->setValue(state);
}

QString ChannelsDock::cellReadout(std::int64_t row, std::int64_t col) const {
    const HeatmapFigure& f = m_view->figure();
    if (row < 0 || col < 0 || row >= f.rows || col >= f.cols) return {};
    const QString token =
        static_cast<std::int64_t>(f.rowLabels.size()) > row
            ? QString::fromStdString(displayLabel(f.rowLabels[static_cast<std::size_t>(row)]))
            : QString();
    const float r = f.values[static_cast<std::size_t>(row * f.cols + col)];
    return QString("token '%1' (#%2) · channel d%3 · r = %4").arg(token).arg(row).arg(col).arg(r, 0, 'g', 3);
}

const HeatmapFigure& ChannelsDock::shownFigure() const {
    return m_view->figure();
}

// The strip shows phi sinks of the chosen state next to alpha, whether or not the dock is open.
void ChannelsDock::markStrip() {
    if (!m_strip) return;
    if (!m_run || !m_run->sinkDims || m_run->sinkDims->sinkTokens.empty()) {
        m_strip->setSinkMarks({}, {});
        return;
    }
    const auto l = static_cast<std::size_t>(state());
    const auto& tokens = m_run->sinkDims->sinkTokens[std::min(l, m_run->sinkDims->sinkTokens.size() - 1)];
    m_strip->setSinkMarks(tokens, QString("sink token by its channels: φ ≥ τ = %1 at state %2")
                                      .arg(m_run->sinkDims->tau, 0, 'g', 3)
                                      .arg(state()));
}

void ChannelsDock::showState() {
    if (!m_run || !m_run->hiddenStates || !m_run->sinkDims) {
        m_view->setFigure({});
        m_info->setText(m_run ? "Not available for this run: a stored run keeps hidden-state norms only, not "
                                "the residual stream (run the prompt live to see its channels)."
                              : "run a prompt to see its residual channels");
        return;
    }
    const SinkDimensions& d = *m_run->sinkDims;
    const auto l = static_cast<std::size_t>(state());
    const auto& tokens = l < d.sinkTokens.size() ? d.sinkTokens[l] : std::vector<std::int64_t>{};
    QString peaks;
    if (l < d.perState.size())
        for (const auto& p : d.perState[l])
            peaks += QString(" d%1: r %2 at token %3;").arg(p.dim).arg(p.value, 0, 'f', 1).arg(p.token);
    m_info->setText(
        QString("D<sub>sink</sub> = {%1} (τ = %2, largest r %3) · state %4 sink tokens φ ≥ τ: %5 · "
                "top channels:%6")
            .arg(list(d.dims))
            .arg(d.tau, 0, 'g', 3)
            .arg(d.largestR, 0, 'f', 1)
            .arg(l)
            .arg(list(tokens))
            .arg(peaks));
    if (!m_onScreen) {
        m_stale = true; // drawing a tokens × channels map nobody sees is wasted work
        return;
    }
    m_stale = false;
    m_view->setFigure(currentFigure());
    m_readout->setText(kReadoutHint);
}

HeatmapFigure ChannelsDock::currentFigure() const {
    if (!m_run || !m_run->hiddenStates || !m_run->sinkDims) return {};
    const HiddenStates& h = *m_run->hiddenStates;
    const SinkDimensions& d = *m_run->sinkDims;
    const auto l = static_cast<std::size_t>(state());
    const auto& tokens = l < d.sinkTokens.size() ? d.sinkTokens[l] : std::vector<std::int64_t>{};
    return channelFigure(channelRatios(h, l), h.tokens, h.dim, m_run->tokens, d.dims, tokens,
                         static_cast<int>(l), static_cast<int>(h.states.size()), d.tau, m_run->modelName);
}

bool ChannelsDock::exportFigure(const QString& path) {
    HeatmapFigure f = currentFigure();
    if (f.rows == 0) {
        Q_EMIT failed("no channel map to export: run a prompt live first");
        return false;
    }
    f.dpi = 200;
    if (auto st = writeHeatmap(f, path.toStdString()); !st) {
        Q_EMIT failed(QString::fromStdString(st.error().message));
        return false;
    }
    return true;
}

} // namespace sinkscope::gui

#include "image_dock.h"

#include "figures/figure_builders.h"
#include "intervention_panel.h"
#include "metrics/span_heads.h"
#include "views/image_overlay_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

namespace sinkscope::gui {

namespace {

const QString kNoPicture = "Open a picture (File > Open picture…, Ctrl+I, or drop a PNG/JPEG) to run a LLaVA "
                           "model on it: its tokens' attention over the picture shows here.";

} // namespace

ImageDock::ImageDock(InterventionPanel* panel, QWidget* parent)
    : QDockWidget("Picture", parent), m_panel(panel) {
    setObjectName("imageDock");
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    auto* top = new QHBoxLayout;
    auto* open = new QPushButton("Open picture…");
    open->setToolTip("A PNG or JPEG for the LLaVA model (sinkscope-cli run --image FILE)");
    connect(open, &QPushButton::clicked, this, &ImageDock::openRequested);
    auto* clear = new QPushButton("No picture");
    connect(clear, &QPushButton::clicked, this, &ImageDock::clearRequested);
    m_query = new QSpinBox;
    m_query->setPrefix("query ");
    m_query->setToolTip("The query token whose attention is shown (a token after the picture)");
    m_heads = new QComboBox;
    m_heads->addItems({"selected head", "layer mean", "image-centric heads"});
    m_heads->setToolTip("Whose attention: the head selected in the grid, the mean of its layer, or the mean "
                        "of the layer's image-centric heads (the heads VAR redistributes in)");
    m_intervened = new QCheckBox("intervened");
    m_intervened->setToolTip("The run under the interventions (else the unmodified run)");
    m_var = new QPushButton("VAR");
    m_var->setToolTip("Redistribute p = 0.6 of the sink mass (BOS and the visual sink tokens) onto the other "
                      "image tokens in the image-centric heads: var:p=0.6 as the custom SPEC");
    connect(m_var, &QPushButton::clicked, this, [this] {
        if (m_panel) m_panel->setCustomSpec("var:p=0.6");
    });
    m_export = new QPushButton("Export…");
    m_export->setToolTip("This overlay as PNG/SVG/PDF (sinkscope-cli run --image F --overlay-out FIG)");
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, "Export the picture's attention", "picture_attention.png", "Figures (*.png *.svg *.pdf)");
        if (!path.isEmpty()) exportFigure(path);
    });
    // Two short rows: a narrow window (1280 px) keeps every control in view.
    for (QWidget* w : std::initializer_list<QWidget*>{open, clear, m_var, m_export})
        top->addWidget(w);
    top->addStretch();
    v->addLayout(top);
    auto* choice = new QHBoxLayout;
    for (QWidget* w : std::initializer_list<QWidget*>{m_query, m_heads, m_intervened})
        choice->addWidget(w);
    choice->addStretch();
    v->addLayout(choice);
    m_info = new QLabel(kNoPicture);
    m_info->setWordWrap(true);
    v->addWidget(m_info);
    m_view = new ImageOverlayView;
    m_view->setEmptyText("no picture");
    v->addWidget(m_view, 1);
    m_readout = new QLabel;
    m_readout->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    v->addWidget(m_readout);
    connect(m_view, &ImageOverlayView::hovered, this, [this](const QString& r) {
        m_readout->setText(r);
        Q_EMIT hovered(r);
    });
    connect(m_query, &QSpinBox::valueChanged, this, &ImageDock::refresh);
    connect(m_heads, &QComboBox::currentIndexChanged, this, &ImageDock::refresh);
    connect(m_intervened, &QCheckBox::toggled, this, &ImageDock::refresh);
    setWidget(body);
    refresh();
}

void ImageDock::setImageDescription(const QString& path, const QString& description) {
    if (path.isEmpty()) {
        m_info->setText(kNoPicture);
        return;
    }
    m_info->setText(description + " · run the prompt to see its attention");
}

void ImageDock::setRun(RunViewPtr view) {
    const bool newPrompt = !m_run || !view || m_run->promptSerial != view->promptSerial;
    m_run = std::move(view);
    if (m_run && m_run->image && newPrompt) {
        const QSignalBlocker block(m_query);
        m_query->setRange(static_cast<int>(m_run->image->last + 1),
                          static_cast<int>(std::max<std::int64_t>(0, m_run->T - 1)));
        m_query->setValue(static_cast<int>(m_run->T - 1)); // the last prompt token: what the answer reads
    }
    const bool intervened = m_run && !m_run->interventions.empty();
    m_intervened->setEnabled(intervened);
    if (!intervened) {
        const QSignalBlocker block(m_intervened);
        m_intervened->setChecked(false);
    } else if (newPrompt || !m_intervened->isChecked()) {
        const QSignalBlocker block(m_intervened);
        m_intervened->setChecked(true);
    }
    refresh();
}

void ImageDock::setHead(int layer, int head) {
    m_layer = layer;
    m_head = head;
    refresh();
}

void ImageDock::setQuery(std::int64_t query) {
    m_query->setValue(static_cast<int>(query));
}
void ImageDock::selectToken(int index) {
    if (m_run && m_run->image && index > m_run->image->last && index < m_run->T) setQuery(index);
}

std::int64_t ImageDock::query() const {
    return m_query->value();
}

void ImageDock::setHeads(Heads heads) {
    m_heads->setCurrentIndex(static_cast<int>(heads));
}
void ImageDock::setIntervened(bool on) {
    m_intervened->setChecked(on);
}

std::vector<int> ImageDock::imageCentricHeads(int layer) const {
    std::vector<int> out;
    if (!m_run || !m_run->image || !m_run->hasLayer(layer)) return out;
    const auto& img = *m_run->image;
    std::vector<std::int64_t> sinks{0};
    if (static_cast<std::size_t>(layer) < img.visualSinks.size())
        sinks.insert(sinks.end(), img.visualSinks[static_cast<std::size_t>(layer)].begin(),
                     img.visualSinks[static_cast<std::size_t>(layer)].end());
    for (int h = 0; h < m_run->heads; ++h)
        if (spanHeadScore(m_run->mapView(false, layer, h), img.first, img.last, sinks).selected)
            out.push_back(h);
    return out;
}

ImageOverlayFigure ImageDock::currentFigure() const {
    if (!m_run || !m_run->image || !m_run->image->picture) return {};
    const auto& img = *m_run->image;
    const PatchGrid grid{img.first, img.gridRows, img.gridCols, img.leadingTokens};
    const bool intervened = m_intervened->isChecked() && !m_run->interventions.empty();
    const auto query = static_cast<std::int64_t>(m_query->value());
    const auto mode = static_cast<Heads>(m_heads->currentIndex());
    std::vector<int> heads;
    QString who; // as `run --overlay-out` words it, so that both write the same figure
    if (mode == Heads::Selected) {
        heads = {m_head};
        who = QString("head %1").arg(m_head);
    } else if (mode == Heads::LayerMean) {
        for (int h = 0; h < m_run->heads; ++h)
            heads.push_back(h);
        who = "mean of its heads";
    } else {
        heads = imageCentricHeads(m_layer);
        who = QString("mean of %1 image-centric heads").arg(heads.size());
    }
    std::vector<const float*> maps;
    for (int h : heads)
        maps.push_back(m_run->map(intervened, m_layer, h));
    auto values = patchMean(maps, m_run->T, query, grid);
    const std::string token = static_cast<std::size_t>(query) < m_run->tokens.size()
                                  ? m_run->tokens[static_cast<std::size_t>(query)]
                                  : std::string();
    QString title = QString("%1 · query %2 '%3' · layer %4 · %5")
                        .arg(QString::fromStdString(img.path).section('/', -1))
                        .arg(query)
                        .arg(QString::fromStdString(token))
                        .arg(m_layer)
                        .arg(who);
    if (intervened) title += " · " + QString::fromStdString(m_run->interventions.front());
    const auto& sinks = static_cast<std::size_t>(m_layer) < img.visualSinks.size()
                            ? img.visualSinks[static_cast<std::size_t>(m_layer)]
                            : std::vector<std::int64_t>{};
    return patchOverlayFigure(img.picture->width, img.picture->height, img.picture->rgb, grid,
                              std::move(values), sinks, title.toStdString());
}

void ImageDock::refresh() {
    const bool picture = m_run && m_run->image;
    for (QWidget* w : std::initializer_list<QWidget*>{m_query, m_heads, m_export})
        w->setEnabled(picture);
    if (!picture) {
        m_view->setFigure({});
        if (m_run) m_info->setText(kNoPicture);
        return;
    }
    const auto& img = *m_run->image;
    std::size_t sinkCount = 0;
    if (static_cast<std::size_t>(m_layer) < img.visualSinks.size())
        sinkCount = img.visualSinks[static_cast<std::size_t>(m_layer)].size();
    if (!m_run->hasLayer(m_layer)) {
        m_view->setFigure({});
        m_info->setText(
            QString("layer %1's maps are not held: choose it in the grid to fetch them").arg(m_layer));
        return;
    }
    m_view->setFigure(currentFigure());
    QStringList dims;
    for (auto d : img.sinkDims)
        dims << QString::number(d);
    // A stored run keeps the sink tokens but not the threshold and dimensions that found them.
    const QString rule =
        img.tau > 0
            ? QString("; phi >= %1 in sink dimensions {%2}").arg(img.tau, 0, 'f', 2).arg(dims.join(","))
            : QString();
    m_info->setText(QString("%1 · tokens %2-%3 · layer %4: %5 visual sink token%6 (framed%7)")
                        .arg(QString::fromStdString(img.path).section('/', -1))
                        .arg(img.first)
                        .arg(img.last)
                        .arg(m_layer)
                        .arg(sinkCount)
                        .arg(sinkCount == 1 ? "" : "s")
                        .arg(rule));
}

bool ImageDock::exportFigure(const QString& path) {
    const auto f = currentFigure();
    if (f.width == 0) {
        Q_EMIT failed("no picture to export: open one and run the prompt");
        return false;
    }
    if (auto st = writeImageOverlay(f, path.toStdString()); !st) {
        Q_EMIT failed(QString::fromStdString(st.error().message));
        return false;
    }
    return true;
}

} // namespace sinkscope::gui

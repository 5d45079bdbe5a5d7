#include "intervention_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <map>

namespace sinkscope::gui {

InterventionPanel::InterventionPanel(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout(this);
    auto row = [&](QCheckBox* box, QWidget* value) {
        auto* w = new QWidget;
        auto* h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(box);
        if (value) h->addWidget(value);
        form->addRow(w);
        connect(box, &QCheckBox::toggled, this, &InterventionPanel::changed);
    };
    auto spin = [&](double lo, double hi, double step, double value) {
        auto* s = new QDoubleSpinBox;
        s->setRange(lo, hi);
        s->setSingleStep(step);
        s->setValue(value);
        connect(s, &QDoubleSpinBox::valueChanged, this, &InterventionPanel::changed);
        return s;
    };
    m_suppress = new QCheckBox("&Suppress the sink (γ = 0)");
    m_suppress->setToolTip("suppress: the first token's attention is zeroed and every row renormalised");
    row(m_suppress, nullptr);
    m_zerotune = new QCheckBox("&ZeroTuning γ");
    m_gamma = spin(0.0, 16.0, 0.25, 4.0);
    row(m_zerotune, m_gamma);
    m_act = new QCheckBox("&ACT β");
    m_beta = spin(0.0, 1.0, 0.05, 0.4);
    row(m_act, m_beta);
    m_sinkLogit = new QCheckBox("Sink &logit b");
    m_b = spin(-20.0, 20.0, 0.5, 0.0);
    row(m_sinkLogit, m_b);
    m_stream = new QCheckBox("Stream&ingLLM sinks / window");
    m_streamSinks = new QSpinBox;
    m_streamSinks->setRange(0, 64);
    m_streamSinks->setValue(4);
    m_streamWindow = new QSpinBox;
    m_streamWindow->setRange(1, 100000);
    m_streamWindow->setValue(64);
    for (auto* s : {m_streamSinks, m_streamWindow})
        connect(s, &QSpinBox::valueChanged, this, &InterventionPanel::changed);
    auto* streamValues = new QWidget;
    auto* sh = new QHBoxLayout(streamValues);
    sh->setContentsMargins(0, 0, 0, 0);
    sh->addWidget(m_streamSinks);
    sh->addWidget(m_streamWindow);
    row(m_stream, streamValues);

    m_scope = new QComboBox;
    m_scope->addItems({"all heads", "layer range", "heads selected in the grid (shift-click)"});
    connect(m_scope, &QComboBox::currentIndexChanged, this, &InterventionPanel::changed);
    form->addRow("Scope", m_scope);
    m_layerFrom = new QSpinBox;
    m_layerTo = new QSpinBox;
    auto* range = new QWidget;
    auto* rh = new QHBoxLayout(range);
    rh->setContentsMargins(0, 0, 0, 0);
    rh->addWidget(m_layerFrom);
    rh->addWidget(m_layerTo);
    for (auto* s : {m_layerFrom, m_layerTo})
        connect(s, &QSpinBox::valueChanged, this, &InterventionPanel::changed);
    form->addRow("Layers", range);
    m_custom = new QLineEdit;
    m_custom->setPlaceholderText("extra SPEC, e.g. redistribute:p=0.6,to=3-5");
    connect(m_custom, &QLineEdit::editingFinished, this, &InterventionPanel::changed);
    form->addRow("Custom", m_custom);
}

void InterventionPanel::setModelShape(int layers, int /*heads*/) {
    // Called after every run: only a new shape resets the range, and quietly, so that showing a
    // result neither undoes the user's layer range nor starts another run.
    if (layers == m_layers) return;
    m_layers = layers;
    const QSignalBlocker blockFrom(m_layerFrom), blockTo(m_layerTo);
    for (auto* s : {m_layerFrom, m_layerTo})
        s->setRange(0, std::max(0, layers - 1));
    m_layerTo->setValue(std::max(0, layers - 1));
}

void InterventionPanel::setSelectedHeads(const std::set<std::pair<int, int>>& heads) {
    m_selected = heads;
    if (m_scope->currentIndex() == 2) Q_EMIT changed();
}

QString InterventionPanel::scope() const {
    if (m_scope->currentIndex() == 1)
        return QString(",layers=%1-%2")
            .arg(std::min(m_layerFrom->value(), m_layerTo->value()))
            .arg(std::max(m_layerFrom->value(), m_layerTo->value()));
    return {};
}

QStringList InterventionPanel::scoped(const QString& base) const {
    if (m_scope->currentIndex() != 2) {
        const QString s = scope();
        if (s.isEmpty()) return {base};
        return {base + (base.contains(':') ? s : ":" + s.mid(1))};
    }
    // One spec per layer: a grid selection is a set of (layer, head) pairs, not a product.
    std::map<int, QStringList> byLayer;
    for (const auto& [l, h] : m_selected)
        byLayer[l] << QString::number(h);
    QStringList out;
    for (const auto& [l, heads] : byLayer)
        out << base + (base.contains(':') ? "," : ":") +
                   QString("layers=%1,heads=%2").arg(l).arg(heads.join('|'));
    return out;
}

void InterventionPanel::useSpan(int first, int last) {
    static const QRegularExpression toKey("to=[0-9]+(-[0-9]+)?");
    const QString to = QString("to=%1-%2").arg(first).arg(last);
    QString spec = m_custom->text().trimmed();
    if (spec.startsWith("redistribute:")) {
        if (spec.contains(toKey))
            spec.replace(toKey, to);
        else
            spec += "," + to;
        if (!spec.contains("heads=")) spec += ",heads=span";
    } else {
        spec = "redistribute:p=0.6," + to + ",heads=span";
    }
    m_custom->setText(spec);
    Q_EMIT changed();
}

QString InterventionPanel::customSpec() const {
    return m_custom->text().trimmed();
}

void InterventionPanel::setCustomSpec(const QString& spec) {
    m_custom->setText(spec.trimmed());
    Q_EMIT changed();
}

void InterventionPanel::applyPreset(const Preset& p) {
    {
        const QSignalBlocker blockers[] = {
            QSignalBlocker(m_suppress),     QSignalBlocker(m_zerotune), QSignalBlocker(m_act),
            QSignalBlocker(m_sinkLogit),    QSignalBlocker(m_stream),   QSignalBlocker(m_streamSinks),
            QSignalBlocker(m_streamWindow), QSignalBlocker(m_scope),    QSignalBlocker(m_custom)};
        m_suppress->setChecked(p.suppress);
        m_zerotune->setChecked(false);
        m_act->setChecked(false);
        m_sinkLogit->setChecked(false);
        m_stream->setChecked(p.stream);
        m_streamSinks->setValue(p.streamSinks);
        m_streamWindow->setValue(p.streamWindow);
        m_scope->setCurrentIndex(0);
        m_custom->clear();
    }
    Q_EMIT changed();
}

QStringList InterventionPanel::specs() const {
    QStringList out;
    if (m_sinkLogit->isChecked()) out << scoped(QString("sinklogit:b=%1").arg(m_b->value()));
    if (m_suppress->isChecked()) out << scoped("suppress");
    if (m_zerotune->isChecked()) out << scoped(QString("zerotune:gamma=%1").arg(m_gamma->value()));
    if (m_act->isChecked()) out << scoped(QString("act:beta=%1").arg(m_beta->value()));
    if (!m_custom->text().trimmed().isEmpty()) out << m_custom->text().trimmed();
    if (m_stream->isChecked())
        out << QString("stream:sinks=%1,window=%2").arg(m_streamSinks->value()).arg(m_streamWindow->value());
    return out;
}

} // namespace sinkscope::gui

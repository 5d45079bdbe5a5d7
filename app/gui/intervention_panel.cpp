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
#include <algorithm>
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
    // Each control says in one sentence what it does and where it comes from (docs: methods).
    m_suppress->setToolTip(
        "Sink suppression (ZeroTuning with γ = 0): token 0's attention is set to 0 and every "
        "row renormalised over the other tokens — how much does the model lean on its sink?");
    row(m_suppress, nullptr);
    m_zerotune = new QCheckBox("&ZeroTuning γ");
    m_gamma = spin(0.0, 16.0, 0.25, 4.0);
    m_zerotune->setToolTip(
        "ZeroTuning (Han et al., 2025): token 0's attention × γ, then every row renormalised; "
        "γ > 1 strengthens the sink, γ < 1 weakens it, γ = 0 suppresses it");
    m_gamma->setToolTip(
        "γ: the factor on token 0's attention before renormalising (ZeroTuning's demo uses 4)");
    row(m_zerotune, m_gamma);
    m_act = new QCheckBox("&ACT β");
    m_beta = spin(0.0, 1.0, 0.05, 0.4);
    m_act->setToolTip(
        "ACT (Yu et al., ICML 2024): sinks after the first (columns with α > 0.1) keep β of their "
        "attention, the rest goes to the other tokens; the first sink is kept as it is");
    m_beta->setToolTip("β: the share of attention the later sinks keep (the paper uses 0.4)");
    row(m_act, m_beta);
    m_sinkLogit = new QCheckBox("Sink &logit b");
    m_b = spin(-20.0, 20.0, 0.5, 0.0);
    m_sinkLogit->setToolTip(
        "A sink logit (softmax1 / gpt-oss's learned sink): every row's softmax gets an extra "
        "e^b term, so a head can attend to nothing; b = 0 is softmax1");
    m_b->setToolTip("b: the extra logit; very negative b is the ordinary softmax");
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
    // A window the user sets stays; until then it follows the prompt (setPromptLength).
    connect(m_streamWindow, &QSpinBox::valueChanged, this, [this] { m_windowChosen = true; });
    m_stream->setToolTip(
        "StreamingLLM (Xiao et al., ICLR 2024): the key/value cache keeps the first `sinks` "
        "tokens and the most recent `window` tokens and evicts the rest; sinks = 0 is window only");
    m_streamSinks->setToolTip("sinks: how many first tokens the cache always keeps (the paper keeps 4)");
    m_streamWindow->setToolTip(
        "window: how many recent tokens the cache keeps; nothing changes until the prompt "
        "and generation outgrow sinks + window");
    auto* streamValues = new QWidget;
    auto* sh = new QHBoxLayout(streamValues);
    sh->setContentsMargins(0, 0, 0, 0);
    sh->addWidget(m_streamSinks);
    sh->addWidget(m_streamWindow);
    row(m_stream, streamValues);

    m_scope = new QComboBox;
    m_scope->addItems({"all heads", "layer range", "heads selected in the grid (shift-click)"});
    connect(m_scope, &QComboBox::currentIndexChanged, this, &InterventionPanel::changed);
    m_scope->setToolTip(
        "Which heads the interventions act on: all, a layer range, or the heads shift-clicked "
        "in the head grid");
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
    m_layerFrom->setToolTip("First layer of the range (Scope: layer range)");
    m_layerTo->setToolTip("Last layer of the range (Scope: layer range)");
    form->addRow("Layers", range);
    m_custom = new QLineEdit;
    m_custom->setPlaceholderText("extra SPECs (space-separated), e.g. redistribute:p=0.6,to=3-5");
    connect(m_custom, &QLineEdit::editingFinished, this, &InterventionPanel::changed);
    m_custom->setToolTip(
        "Any intervention SPEC, as the CLI's --intervention takes it (README: Interventions), "
        "e.g. VAR's redistribute:p=0.6,to=3-5");
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

void InterventionPanel::showStored(const QStringList& specs) {
    const QSignalBlocker blockers[] = {QSignalBlocker(m_suppress), QSignalBlocker(m_zerotune),
                                       QSignalBlocker(m_act),      QSignalBlocker(m_sinkLogit),
                                       QSignalBlocker(m_stream),   QSignalBlocker(m_scope),
                                       QSignalBlocker(m_custom)};
    for (QCheckBox* box : {m_suppress, m_zerotune, m_act, m_sinkLogit, m_stream})
        box->setChecked(false);
    m_scope->setCurrentIndex(0);
    m_custom->setText(specs.join(' '));
}

void InterventionPanel::setPromptLength(std::int64_t tokens) {
    // Only while StreamingLLM is off: the shown result was computed with the window on screen.
    if (m_windowChosen || m_stream->isChecked()) return;
    const QSignalBlocker block(m_streamWindow);
    m_streamWindow->setValue(
        static_cast<int>(std::clamp<std::int64_t>(tokens / 2, 1, m_streamWindow->maximum())));
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
        m_windowChosen = p.stream; // a scenario's window is part of its lesson
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
    // SPECs hold no spaces: the custom field takes several, separated by spaces.
    for (const QString& spec : m_custom->text().split(QRegularExpression("\\s+"), Qt::SkipEmptyParts))
        out << spec;
    if (m_stream->isChecked())
        out << QString("stream:sinks=%1,window=%2").arg(m_streamSinks->value()).arg(m_streamWindow->value());
    return out;
}

} // namespace sinkscope::gui

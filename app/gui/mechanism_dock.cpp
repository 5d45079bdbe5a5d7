#include "mechanism_dock.h"

#include "intervene/intervention.h"
#include "metrics/method_defaults.h"
#include "views/row_mechanism_view.h"
#include "views/token_strip.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMainWindow>
#include <QScrollArea>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace sinkscope::gui {

namespace {

QString tokenLabel(const RunView& v, std::int64_t t) {
    QString s = t >= 0 && t < static_cast<std::int64_t>(v.tokens.size())
                    ? QString::fromStdString(v.tokens[static_cast<std::size_t>(t)])
                    : QString();
    return s.replace('\n', "\\n").replace('\t', "\\t");
}

double sumOf(const std::vector<float>& w) {
    return std::accumulate(w.begin(), w.end(), 0.0);
}

QString rule(const RowExplanation& r) {
    switch (r.weighting) {
    case AttentionKind::Sigmoid:
        return QString("sigmoid:  w_j = σ(z_j %1 %2), each key on its own — no sum to 1")
            .arg(r.sigmoidBias < 0 ? "−" : "+")
            .arg(std::abs(r.sigmoidBias));
    case AttentionKind::SinkLogit:
        return "softmax with an extra logit b:  w_j = e^z_j / (e^b + Σ_k e^z_k)";
    default:
        return "softmax:  w_j = e^z_j / Σ_k e^z_k  — the weights sum to 1";
    }
}

// What an intervention does to a row, in the terms of the view (docs/methods.md).
QString mechanismOf(const std::string& spec) {
    auto parsed = parseIntervention(spec);
    if (!parsed) return QString::fromStdString(spec);
    const Intervention& iv = *parsed;
    switch (iv.kind) {
    case InterventionKind::ScaleRenormalize:
        return iv.gamma == 0
                   ? "suppression: w_sink → 0, the others ÷ (1 − w_sink), so the row sums to 1 again"
                   : QString("ZeroTuning: w_sink × γ = %1, then the row renormalised to 1").arg(iv.gamma);
    case InterventionKind::FixedFraction:
        return QString("ACT: w_sink × β = %1, the freed weight shared by the other keys in proportion")
            .arg(iv.beta);
    case InterventionKind::Redistribute:
        return QString("VAR: a fraction p = %1 of w_sink moved to tokens %2–%3")
            .arg(iv.fraction)
            .arg(iv.target.first)
            .arg(iv.target.last);
    case InterventionKind::SinkLogit:
        return QString("sink logit: an extra column b = %1 joins the softmax; its weight goes nowhere")
            .arg(iv.sinkLogit);
    case InterventionKind::Stream:
        return "StreamingLLM: a cache of the first and the most recent keys";
    }
    return QString::fromStdString(spec);
}

} // namespace

MechanismDock::MechanismDock(TokenStrip* strip, QWidget* parent)
    : QDockWidget("Mechanism (one query row)", parent), m_strip(strip) {
    setObjectName("mechanismDock");
    qRegisterMetaType<ExplainedRowPtr>();
    // The words (numbers, lesson, what the intervention does) above the bars, or beside them when
    // the panel is wide and short (resizeEvent): the bars keep the height either way.
    auto* body = new QWidget;
    m_layout = new QBoxLayout(QBoxLayout::TopToBottom, body);
    m_layout->setContentsMargins(6, 4, 6, 4);
    m_layout->setSpacing(6);
    m_text = new QWidget;
    m_text->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto* v = new QVBoxLayout(m_text);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(3);
    auto* top = new QHBoxLayout;
    m_summary = new QLabel("run a prompt, then select a query token (a row of the map)");
    m_summary->setObjectName("mechanismSummary");
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    top->addWidget(m_summary, 1);
    m_keys = new QSpinBox;
    m_keys->setObjectName("mechanismKeys");
    m_keys->setRange(4, 48);
    m_keys->setValue(16);
    m_keys->setPrefix("keys ≤ ");
    m_keys->setToolTip(
        "A long row shows at most this many keys (fewer when the panel is narrow): the ones with the "
        "most weight, always with the first token and the query itself; the others are summed in one "
        "pale column");
    top->addWidget(m_keys, 0, Qt::AlignTop);
    v->addLayout(top);
    m_caption = new QLabel;
    m_caption->setObjectName("mechanismCaption");
    m_caption->setWordWrap(true);
    // Italic through the font, not a style sheet: a style sheet would keep the label's colours when
    // classroom mode changes the application's palette.
    QFont italic = m_caption->font();
    italic.setItalic(true);
    m_caption->setFont(italic);
    v->addWidget(m_caption);
    m_change = new QLabel;
    m_change->setObjectName("mechanismChange");
    m_change->setWordWrap(true);
    m_change->setTextFormat(Qt::RichText);
    m_change->hide();
    v->addWidget(m_change);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->hide();
    v->addWidget(m_status);
    v->addStretch(1);
    m_layout->addWidget(m_text);
    m_view = new RowMechanismView;
    m_layout->addWidget(m_view, 1);
    setWidget(body);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(40); // a new run sets the head and the run one after the other
    connect(m_debounce, &QTimer::timeout, this, &MechanismDock::refresh);
    connect(m_keys, &QSpinBox::valueChanged, this, &MechanismDock::showExplained);
    connect(m_view, &RowMechanismView::fitChanged, this, &MechanismDock::showExplained);
    connect(m_view, &RowMechanismView::hovered, this, &MechanismDock::hovered);
    if (m_strip) connect(m_strip, &TokenStrip::tokenSelected, m_debounce, qOverload<>(&QTimer::start));
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        m_onScreen = visible;
        if (visible) m_debounce->start();
    });
}

void MechanismDock::resizeEvent(QResizeEvent* e) {
    QDockWidget::resizeEvent(e);
    const bool beside = width() >= 900 && width() > 2.4 * height();
    m_layout->setDirection(beside ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
    m_text->setMaximumWidth(beside ? std::min(560, width() * 2 / 5) : QWIDGETSIZE_MAX);
    m_text->setSizePolicy(QSizePolicy::Preferred, beside ? QSizePolicy::Preferred : QSizePolicy::Maximum);
    m_layout->setStretchFactor(m_text, beside ? 2 : 0);
    m_layout->setStretchFactor(m_view, beside ? 3 : 1);
}

void MechanismDock::setRun(RunViewPtr view) {
    m_run = std::move(view);
    m_debounce->start();
}

void MechanismDock::setHead(int layer, int head) {
    m_layer = layer;
    m_head = head;
    m_debounce->start();
}

void MechanismDock::setKeysShown(int keys) {
    m_keys->setValue(keys);
}

std::int64_t MechanismDock::query() const {
    if (!m_run || m_run->T <= 0) return -1;
    const int s = m_strip ? m_strip->selected() : -1;
    return s >= 0 && s < m_run->T ? s : m_run->T - 1;
}

QStringList MechanismDock::specs() const {
    QStringList out;
    if (m_run)
        for (const auto& s : m_run->interventions)
            out << QString::fromStdString(s);
    return out;
}

void MechanismDock::clear(const QString& why) {
    m_view->setRow({});
    m_base.clear();
    m_after.clear();
    m_summary->setText(why);
    m_caption->clear();
    m_change->hide();
    m_status->hide();
}

// One question per (prompt, head, row, interventions), and only while someone looks at the dock.
void MechanismDock::refresh() {
    if (!m_run) return clear("run a prompt, then select a query token (a row of the map)");
    if (m_run->promptSerial == 0)
        return clear(
            "The scores need the model: this run was reopened from a trace, which keeps weights only. "
            "Run the prompt live to see how its weights come about.");
    if (m_layer >= m_run->layers || m_head >= m_run->heads) return;
    const std::int64_t q = query();
    const QStringList s = specs();
    if (m_row && m_row->answers(m_run->promptSerial, m_layer, m_head, q, s)) return showExplained();
    if (!m_onScreen) return;
    const auto key = std::make_tuple(m_run->promptSerial, m_layer, m_head, q, s);
    if (m_asked == key) return;
    m_asked = key;
    clear(QString("computing the scores of layer %1 · head %2 · query %3…").arg(m_layer).arg(m_head).arg(q));
    Q_EMIT requested(m_run->promptSerial, m_layer, m_head, q, s);
}

void MechanismDock::showRow(ExplainedRowPtr row) {
    // A late answer for another row, head, prompt or intervention is dropped: the newer question is
    // on its way (or will be asked when the dock is back on screen).
    if (!m_run || !row->answers(m_run->promptSerial, m_layer, m_head, query(), specs())) return;
    m_asked = {0, -1, -1, -1, {}};
    if (!row->row) {
        clear("The row could not be explained.");
        m_status->setText(row->error);
        m_status->show();
        return;
    }
    m_row = std::move(row);
    showExplained();
}

std::vector<float> MechanismDock::weightsOf(bool intervened) const {
    const RowExplanation& r = *m_row->row;
    const float* map = m_run->map(intervened, r.layer, r.head);
    if (!map) return intervened ? r.intervened->weights : r.base.weights;
    const float* row = map + r.query * m_run->T;
    return {row, row + r.query + 1};
}

void MechanismDock::growToFit() {
    auto* window = qobject_cast<QMainWindow*>(parentWidget());
    if (!window || (m_grownTo > 0 && height() < m_grownTo - 40)) return;
    const int want = std::min(window->height() / 2, std::max(window->height() * 2 / 5, heightWanted()));
    if (want <= height()) return;
    window->resizeDocks({this}, {want}, Qt::Vertical);
    m_grownTo = want;
}

int MechanismDock::heightWanted() const {
    const auto* area = qobject_cast<const QScrollArea*>(widget());
    if (!area || !area->widget()) return height();
    const QWidget* body = area->widget();
    const int w = area->viewport()->width();
    const int need = body->hasHeightForWidth() ? body->heightForWidth(w) : body->sizeHint().height();
    return height() + std::max(0, need - area->viewport()->height());
}

double MechanismDock::rowSum(bool intervened) const {
    const auto& w = intervened ? m_after : m_base;
    return w.empty() ? NAN : sumOf(w);
}

double MechanismDock::massOnFirst(bool intervened) const {
    const auto& w = intervened ? m_after : m_base;
    return w.empty() ? NAN : w[0];
}

void MechanismDock::showExplained() {
    if (!m_row || !m_row->row || !m_run ||
        !m_row->answers(m_run->promptSerial, m_layer, m_head, query(), specs()))
        return;
    const RowExplanation& r = *m_row->row;
    const bool after = r.intervened.has_value();
    m_base = weightsOf(false);
    m_after = after ? weightsOf(true) : std::vector<float>{};
    const auto n = static_cast<std::size_t>(r.query + 1);

    // Which keys to draw: all of a short row; of a long one, the first token, the query itself and
    // the heaviest of the others, in key order, and one column for the rest — as many as the spin
    // box allows and the view's width holds.
    const float extraAfter = after ? r.intervened->extraLogit : NAN;
    const bool extra = std::isfinite(r.base.extraLogit) || std::isfinite(extraAfter);
    const int room = m_view->columnsThatFit() - (extra ? 1 : 0);
    std::vector<std::size_t> keys(n);
    std::iota(keys.begin(), keys.end(), std::size_t{0});
    if (n > static_cast<std::size_t>(std::min(m_keys->value(), room))) {
        const auto limit = static_cast<std::size_t>(std::max(2, std::min(m_keys->value(), room - 1)));
        const auto heavier = [&](std::size_t a, std::size_t b) {
            const auto w = [&](std::size_t k) {
                const bool pinned = k == 0 || k + 1 == n;
                return pinned ? 2.0f : std::max(m_base[k], after ? m_after[k] : 0.0f);
            };
            return w(a) > w(b);
        };
        std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(limit), keys.end(),
                          heavier);
        keys.resize(limit);
        std::sort(keys.begin(), keys.end());
    }
    RowMechanism m;
    m.query = r.query;
    m.hasAfter = after;
    m.rule = rule(r);
    m.afterName = after ? m_row->specs.join(" + ") : QString();
    double restBase = sumOf(m_base), restAfter = after ? sumOf(m_after) : 0.0;
    for (std::size_t k : keys) {
        RowMechanism::Column c;
        c.key = static_cast<std::int64_t>(k);
        c.token = tokenLabel(*m_run, c.key);
        c.score = r.base.scores[k];
        c.weight = m_base[k];
        restBase -= m_base[k];
        if (after) {
            c.scoreAfter = r.intervened->scores[k];
            c.weightAfter = m_after[k];
            restAfter -= m_after[k];
        }
        m.columns.push_back(c);
    }
    if (keys.size() < n) { // the keys left out, as one column: the drawn weights still add up
        RowMechanism::Column c;
        c.kind = RowMechanism::Kind::Rest;
        c.key = static_cast<std::int64_t>(n - keys.size());
        c.token = QString("+%1 keys").arg(c.key);
        c.weight = static_cast<float>(restBase);
        if (after) c.weightAfter = static_cast<float>(restAfter);
        m.columns.push_back(c);
    }
    // The extra logit column: its weight is what the row's keys do not get.
    if (extra) {
        RowMechanism::Column c;
        c.kind = RowMechanism::Kind::ExtraLogit;
        c.token = "b";
        if (std::isfinite(r.base.extraLogit)) {
            c.score = r.base.extraLogit;
            c.weight = static_cast<float>(1.0 - sumOf(m_base));
        }
        if (std::isfinite(extraAfter)) {
            c.scoreAfter = extraAfter;
            c.weightAfter = static_cast<float>(1.0 - sumOf(m_after));
        }
        m.columns.push_back(c);
    }
    m_view->setRow(std::move(m));

    // The numbers the lesson is about, in words.
    const QString first = tokenLabel(*m_run, 0).toHtmlEscaped();
    const double a0 = m_base[0];
    QString summary = QString("<b>layer %1 · head %2 · query %3 ‘%4’</b> — <b>α = %5</b> of this row on ‘%6’")
                          .arg(r.layer)
                          .arg(r.head)
                          .arg(r.query)
                          .arg(tokenLabel(*m_run, r.query).toHtmlEscaped())
                          .arg(a0, 0, 'f', 2)
                          .arg(first);
    if (after) summary += QString(" → <b>%1</b> intervened").arg(m_after[0], 0, 'f', 2);
    summary += QString(" · row sum %1").arg(sumOf(m_base), 0, 'f', 3);
    if (after) summary += QString(" → %1").arg(sumOf(m_after), 0, 'f', 3);
    m_summary->setText(summary);
    switch (r.weighting) {
    case AttentionKind::Sigmoid:
        m_caption->setText("Sigmoid weighs each key on its own with no row sum to fill, so nothing pushes "
                           "spare weight onto the first token: such models grow no sink.");
        break;
    case AttentionKind::SinkLogit:
        m_caption->setText(
            "The extra logit b joins the softmax but carries no value: a query with nothing to attend "
            "to can give its weight to b instead of to the first token.");
        break;
    default:
        m_caption->setText(
            r.query == 0 ? "The first token can only attend to itself: softmax gives it all of its weight."
            : a0 >= kSinkEpsilon
                ? QString("Softmax rows must sum to 1: weight no key earns still has to land somewhere, and "
                          "here %1 % lands on the first token, the attention sink.")
                      .arg(a0 * 100, 0, 'f', 0)
                : QString("Softmax rows must sum to 1; this query matches keys of its own, so only %1 % "
                          "lands on the first token (a sink head's rows put far more there).")
                      .arg(a0 * 100, 0, 'f', 0));
    }
    QStringList change;
    for (const auto& s : m_row->specs)
        change << mechanismOf(s.toStdString()).toHtmlEscaped();
    if (after && r.onThisHead.empty())
        change << "No intervention selects this head: its row changes only through the earlier layers.";
    m_change->setText(change.join("<br>"));
    m_change->setVisible(!change.isEmpty());
    m_status->setText(QString::fromStdString(r.note));
    m_status->setVisible(!r.note.empty());
    // Once the labels have their new text: the bars need height (the window is laid out by now,
    // unlike when a --panel raise first shows the panel).
    QTimer::singleShot(0, this, &MechanismDock::growToFit);
    Q_EMIT shown();
}

} // namespace sinkscope::gui

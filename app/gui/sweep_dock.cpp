#include "sweep_dock.h"

#include "figures/sweep_figures.h"
#include "sweep_grid.h"
#include "views/curve_plot.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace sinkscope::gui {

namespace {

enum Column { Model, Checkpoint, Intervention, SinkRate, Alpha0, Kl, Prompts, Alpha0Range, Columns };
constexpr int kCurvesTab = 2;

QString number(double v, int decimals) {
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QString("–");
}

// The model's directory name (its path in the tooltip): the table stays narrow. A training run's
// checkpoints directory is named after its run ("run/checkpoints").
QString modelLabel(const ReportRow& row) {
    if (row.model.empty()) return "(all models)";
    const QFileInfo info(QString::fromStdString(row.model));
    if (info.fileName() == "checkpoints") return info.dir().dirName() + "/checkpoints";
    return info.fileName();
}

QString gridRowLabel(const ReportRow& row) {
    QString label = modelLabel(row);
    if (!row.checkpoint.empty()) label += " · " + QString::fromStdString(row.checkpoint);
    return label;
}

QString interventionLabel(const ReportRow& row) {
    return row.intervention.empty() ? QString("(all interventions)")
                                    : QString::fromStdString(row.intervention);
}

QTableWidgetItem* cell(const QString& text, bool numeric = false) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    if (numeric) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

const QColor kSeriesColours[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                 QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                 QColor(227, 119, 194), QColor(127, 127, 127)};

} // namespace

SweepDock::SweepDock(QWidget* parent) : QDockWidget("Sweep", parent) {
    setObjectName("sweepDock");
    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    v->addLayout(buildTopRow());
    // Tabs rather than side by side: the bottom dock area is often narrow, and each view wants
    // the whole width.
    m_views = new QTabWidget;
    m_views->addTab(buildTable(), "Table");
    m_grid = new SweepGrid;
    connect(m_grid, &SweepGrid::cellPicked, this, [this](int r, int c) {
        const int row = m_cellRow[static_cast<std::size_t>(r * m_grid->cols() + c)];
        if (row >= 0) selectRow(row);
    });
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_grid);
    scroll->setWidgetResizable(true);
    m_views->addTab(scroll, "Sink rate heatmap");
    m_curves = new CurvePlot;
    m_views->addTab(m_curves, "Over checkpoints");
    m_views->setTabEnabled(kCurvesTab, false);
    v->addWidget(m_views, 1);
    auto* drill = new QHBoxLayout;
    m_drill = new QLabel("Pick a row or a cell to see the runs behind it");
    m_showRuns = new QPushButton("Show runs");
    m_showRuns->setToolTip("Open these runs in the Runs panel (or double-click a row)");
    m_showRuns->setEnabled(false);
    connect(m_showRuns, &QPushButton::clicked, this, &SweepDock::showSelectedRuns);
    drill->addWidget(m_drill, 1);
    drill->addWidget(m_showRuns);
    v->addLayout(drill);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    v->addWidget(m_status);
    setWidget(body);
}

QHBoxLayout* SweepDock::buildTopRow() {
    auto* top = new QHBoxLayout;
    auto* open = new QPushButton("Open sweep…");
    open->setToolTip(
        "A trace written by `sinkscope-cli sweep` (or any trace), as `sweep-report TRACE` reads");
    connect(open, &QPushButton::clicked, this, &SweepDock::chooseSweep);
    m_file = new QLabel("no sweep open");
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setMinimumWidth(40);
    // Grouping as a menu: three check boxes would push the export buttons out of a narrow dock.
    auto* group = new QToolButton;
    group->setText("Group by");
    group->setToolTip("sweep-report --by model,checkpoint,intervention");
    group->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(group);
    m_byModel = menu->addAction("model");
    m_byCheckpoint = menu->addAction("checkpoint");
    m_byIntervention = menu->addAction("intervention");
    for (QAction* a : {m_byModel, m_byCheckpoint, m_byIntervention}) {
        a->setCheckable(true);
        a->setChecked(true);
        connect(a, &QAction::toggled, this, [this] {
            if (!m_path.isEmpty()) read(m_path, checkedKeys());
        });
    }
    group->setMenu(menu);
    m_csv = new QPushButton("Export CSV…");
    m_csv->setToolTip("The table as CSV (sweep-report --csv FILE)");
    connect(m_csv, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, "Export the sweep table", "sweep.csv", "CSV (*.csv)");
        if (!path.isEmpty()) exportCsv(path);
    });
    m_figure = new QPushButton("Export figure…");
    m_figure->setToolTip("The Sink-rate table as a heatmap, and the curves over checkpoints when there are "
                         "several (sweep-report --out FILE)");
    connect(m_figure, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, "Export the sweep figure", "sweep.png",
                                                          "Figures (*.png *.svg *.pdf)");
        if (!path.isEmpty()) exportFigures(path);
    });
    m_csv->setEnabled(false);
    m_figure->setEnabled(false);
    top->addWidget(open);
    top->addWidget(m_file, 1);
    top->addWidget(group);
    top->addWidget(m_csv);
    top->addWidget(m_figure);
    return top;
}

QTableWidget* SweepDock::buildTable() {
    m_table = new QTableWidget(0, Columns);
    m_table->setHorizontalHeaderLabels({"Model", "Checkpoint", "Intervention", "Sink rate %", "α₀ mean ± std",
                                        "KL from base", "Prompts", "α₀ min – max"});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAccessibleName("Sweep results table");
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &SweepDock::rowChanged);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { showSelectedRuns(); });
    return m_table;
}

SweepDock::~SweepDock() {
    // Reads still running finish first: their result slots die with this dock.
    for (QThread* thread : findChildren<QThread*>(Qt::FindDirectChildrenOnly))
        thread->wait();
}

std::vector<GroupKey> SweepDock::checkedKeys() const {
    std::vector<GroupKey> keys;
    if (m_byModel->isChecked()) keys.push_back(GroupKey::Model);
    if (m_byIntervention->isChecked()) keys.push_back(GroupKey::Intervention);
    if (m_byCheckpoint->isChecked()) keys.push_back(GroupKey::Checkpoint);
    return keys;
}

void SweepDock::setGroupedBy(const std::vector<GroupKey>& keys) {
    auto has = [&keys](GroupKey k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
    const QSignalBlocker a(m_byModel), b(m_byCheckpoint), c(m_byIntervention);
    m_byModel->setChecked(has(GroupKey::Model));
    m_byCheckpoint->setChecked(has(GroupKey::Checkpoint));
    m_byIntervention->setChecked(has(GroupKey::Intervention));
    if (!m_path.isEmpty()) read(m_path, keys);
}

void SweepDock::chooseSweep() {
    const QString path =
        QFileDialog::getOpenFileName(this, "Open a sweep trace", QFileInfo(m_path).absolutePath(),
                                     "Trace files (*.sqlite *.db);;All files (*)");
    if (!path.isEmpty()) openSweep(path);
}

void SweepDock::openSweep(const QString& path) {
    read(path, checkedKeys());
}

void SweepDock::read(const QString& path, std::vector<GroupKey> keys) {
    // A newer request wins: the older thread finishes, its result is dropped.
    const int generation = ++m_generation;
    say(QString("Reading %1…").arg(QFileInfo(path).fileName()));
    auto result = std::make_shared<Result<SweepReport>>(Error{"not read"});
    QThread* thread =
        QThread::create([result, file = path.toStdString(), keys] { *result = readSweepReport(file, keys); });
    thread->setParent(this); // deleted with the dock at the latest (after waiting for it)
    connect(thread, &QThread::finished, this, [this, thread, result, path, generation] {
        if (m_reading == thread) m_reading = nullptr;
        thread->deleteLater();
        if (generation != m_generation) return;
        if (!*result) {
            say(QString::fromStdString(result->error().message));
            Q_EMIT failed(QString::fromStdString(result->error().message));
            return;
        }
        display(path, std::move(result->value()));
    });
    m_reading = thread; // an older read still running deletes itself when done; its result is dropped
    thread->start();
}

void SweepDock::display(const QString& path, SweepReport report) {
    m_path = path;
    m_report = std::move(report);
    m_file->setText(QDir::toNativeSeparators(path));
    m_file->setToolTip(path);
    const auto eps = commonSinkEps(m_report);
    m_table->horizontalHeaderItem(SinkRate)->setText(eps ? QString("Sink rate (ε %1) %").arg(*eps)
                                                         : "Sink rate %");
    m_table->horizontalHeaderItem(SinkRate)->setToolTip(
        "Sink₁^ε: the share of heads whose first-token attention α₀ exceeds ε, mean over the prompts");
    fillTable();
    fillGrid();
    fillCurves();
    std::int64_t runs = 0;
    for (const auto& row : m_report.rows)
        runs += row.prompts;
    say(QString("%1 groups, %2 runs%3")
            .arg(m_report.rows.size())
            .arg(runs)
            .arg(eps ? QString(", Sink rate at ε = %1").arg(*eps) : QString()));
    m_csv->setEnabled(!m_report.rows.empty());
    m_figure->setEnabled(!m_report.rows.empty());
    Q_EMIT reportShown();
}

void SweepDock::fillTable() {
    const QSignalBlocker block(m_table);
    m_table->clearContents();
    m_table->setRowCount(static_cast<int>(m_report.rows.size()));
    int r = 0;
    for (const auto& row : m_report.rows) {
        auto* model = cell(modelLabel(row));
        model->setToolTip(QString::fromStdString(row.model));
        m_table->setItem(r, Model, model);
        m_table->setItem(r, Checkpoint, cell(QString::fromStdString(row.checkpoint)));
        m_table->setItem(r, Intervention, cell(interventionLabel(row)));
        QString prompts = QString::number(row.prompts);
        if (row.unreadable > 0) prompts += QString(" (%1 unreadable)").arg(row.unreadable);
        m_table->setItem(r, Prompts, cell(prompts, true));
        m_table->setItem(r, SinkRate, cell(number(row.sinkRate, 1), true));
        m_table->setItem(r, Alpha0, cell(number(row.alpha0Mean, 3) + " ± " + number(row.alpha0Std, 3), true));
        m_table->setItem(r, Alpha0Range,
                         cell(number(row.alpha0Min, 3) + " – " + number(row.alpha0Max, 3), true));
        m_table->setItem(r, Kl, cell(row.klMean ? number(*row.klMean, 4) : QString("–"), true));
        ++r;
    }
    auto grouped = [this](GroupKey k) {
        return std::find(m_report.by.begin(), m_report.by.end(), k) != m_report.by.end();
    };
    m_table->setColumnHidden(Model, !grouped(GroupKey::Model));
    const bool anyCheckpoint = std::any_of(m_report.rows.begin(), m_report.rows.end(),
                                           [](const ReportRow& row) { return !row.checkpoint.empty(); });
    m_table->setColumnHidden(Checkpoint, !grouped(GroupKey::Checkpoint) || !anyCheckpoint);
    m_table->setColumnHidden(Intervention, !grouped(GroupKey::Intervention));
    m_table->resizeColumnsToContents();
    rowChanged();
}

void SweepDock::fillGrid() {
    QStringList rows, cols;
    std::map<QString, int> rowOf, colOf;
    for (const auto& row : m_report.rows) {
        const QString r = gridRowLabel(row), c = interventionLabel(row);
        if (!rowOf.count(r)) rowOf[r] = static_cast<int>(rows.size()), rows << r;
        if (!colOf.count(c)) colOf[c] = static_cast<int>(cols.size()), cols << c;
    }
    std::vector<double> values(static_cast<std::size_t>(rows.size() * cols.size()), NAN);
    m_cellRow.assign(values.size(), -1);
    for (std::size_t i = 0; i < m_report.rows.size(); ++i) {
        const auto& row = m_report.rows[i];
        const auto at =
            static_cast<std::size_t>(rowOf[gridRowLabel(row)] * cols.size() + colOf[interventionLabel(row)]);
        values[at] = row.sinkRate;
        m_cellRow[at] = static_cast<int>(i);
    }
    m_grid->setData(rows, cols, std::move(values));
}

void SweepDock::fillCurves() {
    // A curve per (model, intervention) over the steps of its checkpoints, when one has two.
    std::set<std::int64_t> steps;
    std::map<std::pair<std::string, std::string>, std::map<std::int64_t, double>> lines;
    for (const auto& row : m_report.rows) {
        if (row.step < 0) continue;
        steps.insert(row.step);
        lines[{row.model, row.intervention}][row.step] = row.sinkRate;
    }
    bool any = false;
    for (const auto& [key, points] : lines)
        any = any || points.size() >= 2;
    m_views->setTabEnabled(kCurvesTab, any);
    if (!any) {
        m_curves->setData({}, {}, "Sink rate (%)");
        if (m_views->currentIndex() == kCurvesTab) m_views->setCurrentIndex(0);
        return;
    }
    std::vector<double> x(steps.begin(), steps.end());
    std::vector<CurvePlot::Series> series;
    for (const auto& [key, points] : lines) {
        CurvePlot::Series s;
        s.name = QFileInfo(QString::fromStdString(key.first)).fileName() + " · " +
                 (key.second.empty() ? QString("all") : QString::fromStdString(key.second));
        s.colour = kSeriesColours[series.size() % std::size(kSeriesColours)];
        for (double step : x) {
            const auto it = points.find(static_cast<std::int64_t>(step));
            s.y.push_back(it == points.end() ? NAN : it->second);
        }
        series.push_back(std::move(s));
    }
    m_curves->setData(std::move(x), std::move(series), "Sink rate (%) over training steps");
}

std::vector<std::int64_t> SweepDock::selectedRuns() const {
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return {};
    const int r = rows.front().row();
    if (r < 0 || r >= static_cast<int>(m_report.rows.size())) return {};
    return m_report.rows[static_cast<std::size_t>(r)].runIds;
}

void SweepDock::selectRow(int row) {
    m_table->selectRow(row);
    m_table->scrollToItem(m_table->item(row, 0));
}

void SweepDock::rowChanged() {
    const auto runs = selectedRuns();
    m_showRuns->setEnabled(!runs.empty());
    if (runs.empty()) {
        m_drill->setText("Pick a row or a cell to see the runs behind it");
        m_grid->setPicked(-1, -1);
        return;
    }
    QStringList ids;
    for (std::size_t i = 0; i < std::min<std::size_t>(runs.size(), 8); ++i)
        ids << QString::number(runs[i]);
    if (runs.size() > 8) ids << "…";
    m_drill->setText(QString("%1 run%2 behind this row: %3")
                         .arg(runs.size())
                         .arg(runs.size() == 1 ? "" : "s")
                         .arg(ids.join(", ")));
    // The grid marks the same group.
    const int r = m_table->selectionModel()->selectedRows().front().row();
    for (std::size_t i = 0; i < m_cellRow.size(); ++i)
        if (m_cellRow[i] == r)
            m_grid->setPicked(static_cast<int>(i) / m_grid->cols(), static_cast<int>(i) % m_grid->cols());
}

void SweepDock::showSelectedRuns() {
    const auto runs = selectedRuns();
    if (runs.empty() || m_path.isEmpty()) return;
    Q_EMIT showRuns(m_path, QList<qint64>(runs.begin(), runs.end()));
}

bool SweepDock::exportCsv(const QString& path) {
    if (auto st = writeSweepReportCsv(m_report, path.toStdString()); !st) {
        say(QString::fromStdString(st.error().message));
        Q_EMIT failed(QString::fromStdString(st.error().message));
        return false;
    }
    say("Wrote " + path);
    return true;
}

bool SweepDock::exportFigures(const QString& path) {
    auto written = writeSweepFigures(m_report, path.toStdString());
    if (!written) {
        say(QString::fromStdString(written.error().message));
        Q_EMIT failed(QString::fromStdString(written.error().message));
        return false;
    }
    QStringList files;
    for (const auto& f : *written)
        files << QString::fromStdString(f);
    say("Wrote " + files.join(", "));
    return true;
}

void SweepDock::say(const QString& text) {
    m_status->setText(text);
}

} // namespace sinkscope::gui

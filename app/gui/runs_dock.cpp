#include "runs_dock.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>
#include <set>

namespace sinkscope::gui {

namespace {

enum Column { Id, Group, Created, Label, Model, Prompt, Interventions, Tokens, Generated, Size, Columns };

QString snippet(const std::string& text) {
    QString s = QString::fromStdString(text).simplified();
    return s.size() > 48 ? s.left(45) + "…" : s;
}

} // namespace

RunsDock::RunsDock(QWidget* parent) : QDockWidget("Runs (trace file)", parent) {
    setObjectName("runsDock");
    m_worker = new TraceWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &RunsDock::workerOpen, m_worker, &TraceWorker::open);
    connect(this, &RunsDock::workerRefresh, m_worker, &TraceWorker::refresh);
    connect(this, &RunsDock::workerLoad, m_worker, &TraceWorker::load);
    connect(this, &RunsDock::workerCompare, m_worker, &TraceWorker::compare);
    connect(this, &RunsDock::workerRemove, m_worker, &TraceWorker::remove);
    connect(this, &RunsDock::workerVacuum, m_worker, &TraceWorker::vacuum);
    connect(m_worker, &TraceWorker::opened, this, [this](const QString& path) {
        m_path = path;
        m_file->setText(QFileInfo(path).fileName());
        m_file->setToolTip(path);
        QSettings().setValue("trace/last", path);
    });
    connect(m_worker, &TraceWorker::listed, this, &RunsDock::fill);
    connect(m_worker, &TraceWorker::loaded, this, [this](RunViewPtr view) {
        say(QString::fromStdString(view->source));
        Q_EMIT showRun(std::move(view));
    });
    connect(m_worker, &TraceWorker::done, this, &RunsDock::say);
    connect(m_worker, &TraceWorker::failed, this, [this](const QString& message) {
        say(message);
        Q_EMIT failed(message);
    });
    m_thread.start();

    m_confirm = [this](const QString& question) {
        return QMessageBox::question(this, "Delete runs", question) == QMessageBox::Yes;
    };

    auto* body = new QWidget;
    auto* v = new QVBoxLayout(body);
    auto* fileRow = new QHBoxLayout;
    m_file = new QLabel("no trace file");
    fileRow->addWidget(m_file, 1);
    auto button = [&](QBoxLayout* row, const QString& text, const QString& tip, auto slot) {
        auto* b = new QPushButton(text);
        b->setToolTip(tip);
        connect(b, &QPushButton::clicked, this, slot);
        row->addWidget(b);
        return b;
    };
    button(fileRow, "Open…", "Open a trace file (sinkscope-cli runs --db FILE)",
           [this] { chooseFile(false); });
    button(fileRow, "New…", "Create a new trace file", [this] { chooseFile(true); });
    v->addLayout(fileRow);

    m_table = new QTableWidget(0, Columns);
    m_table->setHorizontalHeaderLabels({"id", "group", "created (UTC)", "label", "model", "prompt",
                                        "interventions", "tokens", "gen", "KiB"});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(Prompt, QHeaderView::Stretch);
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { showSelected(); });
    v->addWidget(m_table, 1);

    auto* actions = new QHBoxLayout;
    button(actions, "Show", "Show the selected run in the window, without its model",
           &RunsDock::showSelected);
    button(actions, "Compare", "Two runs of the same prompt: the second minus the first (export --diff)",
           &RunsDock::compareSelected);
    button(actions, "Delete…", "Delete the selected runs (runs --delete)", &RunsDock::deleteSelected);
    button(actions, "Vacuum", "Give the space of deleted runs back (runs --vacuum)", &RunsDock::vacuum);
    button(actions, "Save current run", "Trace the current prompt and interventions into this file (trace)",
           &RunsDock::saveCurrentRun);
    m_retry =
        button(actions, "Retry saving", "Store the runs computed by the last save, which failed", [this] {
            m_retry->hide();
            say("saving the computed runs again…");
            Q_EMIT retrySaveRequested();
        });
    m_retry->hide();
    v->addLayout(actions);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    v->addWidget(m_status);
    setWidget(body);

    const QString last = QSettings().value("trace/last").toString();
    if (!last.isEmpty() && QFileInfo::exists(last)) openTrace(last, false);
}

RunsDock::~RunsDock() {
    m_thread.quit();
    m_thread.wait();
}

void RunsDock::openTrace(const QString& path, bool create) {
    Q_EMIT workerOpen(path, create);
}

void RunsDock::chooseFile(bool create) {
    const QString filter = "Trace files (*.sqlite *.db);;All files (*)";
    const QString path = create ? QFileDialog::getSaveFileName(this, "New trace file", "runs.sqlite", filter)
                                : QFileDialog::getOpenFileName(this, "Open a trace file", QString(), filter);
    if (!path.isEmpty()) openTrace(path, create);
}

void RunsDock::refresh() {
    if (!m_path.isEmpty()) Q_EMIT workerRefresh();
}

void RunsDock::fill(const RunList& runs) {
    const auto keep = selectedRuns();
    m_runs = runs;
    m_table->setRowCount(static_cast<int>(runs.size()));
    for (int r = 0; r < static_cast<int>(runs.size()); ++r) {
        const RunSummary& s = runs[static_cast<std::size_t>(r)];
        QStringList ivs;
        for (const auto& iv : s.interventions)
            ivs << QString::fromStdString(iv);
        const QString cells[Columns] = {QString::number(s.id),
                                        QString::number(s.group),
                                        QString::fromStdString(s.createdAt).left(19).replace('T', ' '),
                                        QString::fromStdString(s.label),
                                        QFileInfo(QString::fromStdString(s.modelPath)).fileName(),
                                        s.promptText.empty() ? QString("(token ids)") : snippet(s.promptText),
                                        ivs.isEmpty() ? QString("–") : ivs.join(' '),
                                        QString::number(s.tokens),
                                        QString::number(s.generated),
                                        QString::number(static_cast<double>(s.storedBytes) / 1024.0, 'f', 1)};
        for (int c = 0; c < Columns; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c == Model) item->setToolTip(QString::fromStdString(s.modelPath));
            if (c == Prompt) item->setToolTip(QString::fromStdString(s.promptText));
            m_table->setItem(r, c, item);
        }
    }
    selectRuns(keep);
    if (runs.empty()) say("no runs yet: \"Save current run\" traces the current prompt into this file");
    Q_EMIT listChanged();
}

std::vector<std::int64_t> RunsDock::selectedRuns() const {
    std::set<int> rows;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
        rows.insert(i.row());
    std::vector<std::int64_t> ids;
    for (int r : rows)
        if (r < static_cast<int>(m_runs.size())) ids.push_back(m_runs[static_cast<std::size_t>(r)].id);
    return ids;
}

void RunsDock::selectRuns(const std::vector<std::int64_t>& ids) {
    m_table->clearSelection();
    for (int r = 0; r < static_cast<int>(m_runs.size()); ++r)
        if (std::find(ids.begin(), ids.end(), m_runs[static_cast<std::size_t>(r)].id) != ids.end())
            m_table->selectionModel()->select(m_table->model()->index(r, 0),
                                              QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

void RunsDock::showSelected() {
    const auto ids = selectedRuns();
    if (ids.size() != 1) return say("select one run to show");
    say(QString("loading run %1…").arg(ids.front()));
    Q_EMIT workerLoad(ids.front());
}

void RunsDock::compareSelected() {
    const auto ids = selectedRuns();
    if (ids.size() != 2) return say("select two runs of the same prompt to compare");
    // intervened − base: the run without interventions is the base when there is exactly one such,
    // else the older run.
    auto plain = [&](std::int64_t id) {
        for (const auto& s : m_runs)
            if (s.id == id) return s.interventions.empty();
        return false;
    };
    std::int64_t base = ids[0], other = ids[1];
    if (!plain(base) && plain(other)) std::swap(base, other);
    say(QString("comparing run %1 − run %2…").arg(other).arg(base));
    Q_EMIT workerCompare(base, other);
}

void RunsDock::deleteSelected() {
    const auto ids = selectedRuns();
    if (ids.empty()) return say("select the runs to delete");
    QList<qint64> list;
    QStringList names;
    for (auto id : ids) {
        list << id;
        names << QString::number(id);
    }
    if (!m_confirm(QString("Delete run %1 from %2? This cannot be undone.")
                       .arg(names.join(", "), QFileInfo(m_path).fileName())))
        return;
    Q_EMIT workerRemove(list);
}

void RunsDock::vacuum() {
    Q_EMIT workerVacuum();
}

void RunsDock::saveCurrentRun() {
    QString path = m_path;
    if (path.isEmpty()) {
        // The engine creates the file as it writes the run; runsSaved() then opens it here.
        path = QFileDialog::getSaveFileName(this, "Save run to a new trace file", "runs.sqlite",
                                            "Trace files (*.sqlite *.db)");
        if (path.isEmpty()) return;
    }
    m_retry->hide(); // a new save replaces the runs kept from a failed one
    say("tracing the current prompt…");
    Q_EMIT saveRequested(path);
}

void RunsDock::saveFailed(const QString& path, const QString& message) {
    say(QString("%1 — the runs are kept: Retry saving stores them in %2")
            .arg(message, QFileInfo(path).fileName()));
    m_retry->show();
}

void RunsDock::runsSaved(const QString& path, const QList<qint64>& ids) {
    m_retry->hide();
    QStringList names;
    for (auto id : ids)
        names << QString::number(id);
    say(QString("stored run %1 in %2").arg(names.join(", "), QFileInfo(path).fileName()));
    if (path == m_path)
        refresh();
    else
        openTrace(path, false);
}

void RunsDock::say(const QString& text) {
    m_status->setText(text);
}

} // namespace sinkscope::gui

#include "trace_worker.h"

#include "stored_run.h"
#include "trace/trace_store.h"

#include <QFileInfo>

namespace sinkscope::gui {

TraceWorker::TraceWorker() {
    qRegisterMetaType<RunList>();
    qRegisterMetaType<RunViewPtr>();
}

TraceWorker::~TraceWorker() = default;

bool TraceWorker::ready() {
    if (m_store) return true;
    Q_EMIT failed("no trace file is open: open one or create a new one first");
    return false;
}

void TraceWorker::open(const QString& path, bool create) {
    if (create && QFileInfo::exists(path)) {
        Q_EMIT failed(path + ": already exists; open it instead, or pick a new name");
        return;
    }
    if (create) {
        auto made = TraceStore::open(path.toStdString(), /*create=*/true);
        if (!made) {
            Q_EMIT failed(QString::fromStdString(made.error().message));
            return;
        }
    }
    // Browsing writes nothing, so a trace in a read-only folder opens too; deleting and
    // vacuuming open the file to write for as long as they take.
    auto store = TraceStore::openReadOnly(path.toStdString());
    if (!store) {
        Q_EMIT failed(QString::fromStdString(store.error().message));
        return;
    }
    m_store = std::move(store.value());
    Q_EMIT opened(path);
    refresh();
    // Listing reads only the runs table: a damaged page elsewhere shows only in a full check.
    if (auto st = m_store->quickCheck(); !st)
        Q_EMIT failed(QString::fromStdString(st.error().message) +
                      ": the runs listed are those still readable, and nothing can be added to the file");
}

Result<std::unique_ptr<TraceStore>> TraceWorker::openToWrite() {
    return TraceStore::open(m_store->path(), /*create=*/false);
}

void TraceWorker::refresh() {
    if (!ready()) return;
    auto runs = m_store->listRuns();
    if (!runs) {
        Q_EMIT failed(QString::fromStdString(runs.error().message));
        return;
    }
    Q_EMIT listed(*runs);
}

void TraceWorker::load(qint64 id) {
    if (!ready()) return;
    auto view = loadStoredRun(*m_store, id);
    if (!view) {
        Q_EMIT failed(QString::fromStdString(view.error().message));
        return;
    }
    Q_EMIT loaded(*view);
}

void TraceWorker::compare(qint64 baseId, qint64 otherId) {
    if (!ready()) return;
    auto view = loadRunComparison(*m_store, baseId, otherId);
    if (!view) {
        Q_EMIT failed(QString::fromStdString(view.error().message));
        return;
    }
    Q_EMIT loaded(*view);
}

void TraceWorker::remove(const QList<qint64>& ids) {
    if (!ready()) return;
    auto writer = openToWrite();
    if (!writer) {
        Q_EMIT failed(QString::fromStdString(writer.error().message));
        return;
    }
    QStringList gone;
    for (qint64 id : ids) {
        if (auto st = (*writer)->deleteRun(id); !st) {
            Q_EMIT failed(QString::fromStdString(st.error().message));
            break;
        }
        gone << QString::number(id);
    }
    if (!gone.isEmpty()) Q_EMIT done(QString("deleted run %1").arg(gone.join(", ")));
    refresh();
}

void TraceWorker::vacuum() {
    if (!ready()) return;
    const qint64 before = QFileInfo(QString::fromStdString(m_store->path())).size();
    auto writer = openToWrite();
    if (!writer) {
        Q_EMIT failed(QString::fromStdString(writer.error().message));
        return;
    }
    if (auto st = (*writer)->vacuum(); !st) {
        Q_EMIT failed(QString::fromStdString(st.error().message));
        return;
    }
    writer->reset(); // the file has its final size once the connection is closed
    const qint64 after = QFileInfo(QString::fromStdString(m_store->path())).size();
    Q_EMIT done(QString("vacuumed: %1 KiB → %2 KiB").arg(before / 1024).arg(after / 1024));
    refresh();
}

} // namespace sinkscope::gui

// EngineWorker::saveToTrace: the desktop twin of `sinkscope-cli trace` (same engine calls). The
// file is opened (and checked) before the model runs; a group that was computed but could not be
// stored stays here until it is stored (retrySaveToTrace) or a new save replaces it.
#include "engine_worker.h"

#include "session/trace_run.h"
#include "trace/trace_store.h"

namespace sinkscope::gui {

Result<std::unique_ptr<TraceStore>> EngineWorker::openTraceToWrite(const QString& path) {
    auto store = TraceStore::open(path.toStdString(), /*create=*/true);
    if (!store) return store;
    // Another program may be writing the file: wait for it (Esc stops waiting).
    TraceStore::WriteWait wait;
    wait.waiting = [this, path](int seconds) {
        Q_EMIT notice(QString("waiting for another program to finish writing %1 (%2 s, Esc stops)")
                          .arg(path)
                          .arg(seconds));
        return !m_cancel.load();
    };
    (*store)->setWriteWait(std::move(wait));
    return store;
}

void EngineWorker::saveToTrace(const QString& path, const QString& prompt, const QStringList& specs,
                               int maxNewTokens) {
    m_cancel = false;
    if (!m_model) {
        Q_EMIT failed("no model is loaded");
        return;
    }
    auto ivs = interventionsOf(specs);
    if (!ivs) {
        Q_EMIT failed(QString::fromStdString(ivs.error().message));
        return;
    }
    auto ids = promptIds(prompt);
    if (!ids) {
        Q_EMIT failed(QString::fromStdString(ids.error().message));
        return;
    }
    // As the CLI does: every input check before the trace file is created, and every check of
    // the file (writable, intact) before the model runs.
    Status checked = m_model->checkTokenIds(*ids, *ivs);
    if (checked) checked = m_model->checkInterventions(*ivs, static_cast<std::int64_t>(ids->size()));
    if (!checked) {
        Q_EMIT failed(QString::fromStdString(checked.error().message));
        return;
    }
    TraceRunOptions o;
    o.modelPath = m_modelPath.toStdString();
    o.generation.maxNewTokens = maxNewTokens;
    o.image = m_image.get();
    if (auto st = checkTraceMemory(*m_model, *ids, *ivs, o); !st) {
        Q_EMIT failed(QString::fromStdString(st.error().message));
        return;
    }
    auto store = openTraceToWrite(path);
    if (!store) {
        Q_EMIT failed(QString::fromStdString(store.error().message));
        return;
    }
    auto group = computeTraceGroup(*m_model, *ids, *ivs, o, [this](const std::string&, int done, int total) {
        Q_EMIT progress(done, total);
        return !m_cancel.load();
    });
    if (!group) {
        Q_EMIT failed(QString::fromStdString(group.error().message));
        return;
    }
    m_unsaved = std::make_unique<TraceGroup>(std::move(*group));
    m_unsavedPath = path;
    storeUnsaved(**store);
}

void EngineWorker::retrySaveToTrace() {
    m_cancel = false;
    if (!m_unsaved) {
        Q_EMIT failed("no run is waiting to be saved");
        return;
    }
    auto store = openTraceToWrite(m_unsavedPath);
    if (!store) {
        Q_EMIT traceSaveFailed(m_unsavedPath, QString::fromStdString(store.error().message));
        return;
    }
    storeUnsaved(**store);
}

void EngineWorker::storeUnsaved(TraceStore& store) {
    auto runs = storeTraceGroup(*m_unsaved, store);
    if (!runs) {
        Q_EMIT traceSaveFailed(m_unsavedPath, QString::fromStdString(runs.error().message));
        return;
    }
    m_unsaved.reset();
    QList<qint64> written;
    for (const auto& r : *runs)
        written << r.id;
    Q_EMIT traceSaved(m_unsavedPath, written);
}

} // namespace sinkscope::gui

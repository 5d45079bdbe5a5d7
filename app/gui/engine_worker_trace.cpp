// EngineWorker::saveToTrace: the desktop twin of `sinkscope-cli trace` (same engine call).
#include "engine_worker.h"

#include "model/trace_run.h"
#include "trace/trace_store.h"

namespace sinkscope::gui {

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
    // As the CLI does: every input check before the trace file is created.
    Status checked = m_model->checkTokenIds(*ids, *ivs);
    if (checked) checked = m_model->checkInterventions(*ivs, static_cast<std::int64_t>(ids->size()));
    if (!checked) {
        Q_EMIT failed(QString::fromStdString(checked.error().message));
        return;
    }
    TraceRunOptions o;
    o.modelPath = m_modelPath.toStdString();
    o.generation.maxNewTokens = maxNewTokens;
    if (auto st = checkTraceMemory(*m_model, *ids, *ivs, o); !st) {
        Q_EMIT failed(QString::fromStdString(st.error().message));
        return;
    }
    auto store = TraceStore::open(path.toStdString(), /*create=*/true);
    if (!store) {
        Q_EMIT failed(QString::fromStdString(store.error().message));
        return;
    }
    auto runs = traceRuns(*m_model, *ids, *ivs, o, **store, [this](const std::string&, int done, int total) {
        Q_EMIT progress(done, total);
        return !m_cancel.load();
    });
    if (!runs) {
        Q_EMIT failed(QString::fromStdString(runs.error().message));
        return;
    }
    QList<qint64> written;
    for (const auto& r : *runs)
        written << r.id;
    Q_EMIT traceSaved(path, written);
}

} // namespace sinkscope::gui

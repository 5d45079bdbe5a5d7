// EngineWorker::explainRow: the "Mechanism (one query row)" panel's numbers, from the engine call
// `sinkscope-cli run --explain-row` makes, on the prompt the worker holds prepared: the unmodified
// row recomputes one layer, the intervened row the layers from the first intervened one.
#include "engine_worker.h"

#include "model/prepared_prompt.h"

namespace sinkscope::gui {

void EngineWorker::explainRow(quint64 promptSerial, int layer, int head, qint64 query,
                              const QStringList& specs) {
    auto out = std::make_shared<ExplainedRow>();
    out->promptSerial = promptSerial;
    out->layer = layer;
    out->head = head;
    out->query = query;
    out->specs = specs;
    auto answer = [&](const QString& error) {
        out->error = error;
        Q_EMIT rowExplained(out);
    };
    // The window asks about the prompt it shows; a newer prompt prepared since makes the question moot.
    if (!m_model || !m_prepared || promptSerial != m_promptSerial)
        return answer("the prompt changed before its row could be explained");
    auto ivs = interventionsOf(specs);
    if (!ivs) return answer(QString::fromStdString(ivs.error().message));
    auto r = sinkscope::explainRow(*m_model, *m_prepared, layer, head, query, *ivs);
    if (!r) return answer(QString::fromStdString(r.error().message));
    out->row = std::move(r.value());
    Q_EMIT rowExplained(out);
}

} // namespace sinkscope::gui

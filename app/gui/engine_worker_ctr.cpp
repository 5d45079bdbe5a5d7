// EngineWorker::catchTagRelease: the catch-tag-release panel's numbers, from the same observer
// and options as `sinkscope-cli metrics --theta T --sink 0`.
#include "engine_worker.h"

#include "model/prepared_prompt.h"
#include "session/prompt_input.h"
#include "session/prompt_metrics.h"

#include <fmt/format.h>

namespace sinkscope::gui {

void EngineWorker::catchTagRelease(double theta) {
    if (!m_model || !m_prepared) {
        Q_EMIT failed("catch-tag-release: run a prompt first");
        return;
    }
    const auto& c = m_model->config();
    BeyondOptions beyond;
    beyond.catchTagRelease = true;
    beyond.ctr = CtrOptions{theta, 0};
    // The head values and output projections are needed only here, so this pass is run on demand
    // rather than keeping every head's W_O slice after each prompt (L x D x D floats).
    PromptMetricsObserver metrics(c.nLayers, c.nHeads, beyond);
    auto out = m_model->forward(m_prepared->ids(), &metrics);
    if (!out) {
        Q_EMIT failed(QString::fromStdString(out.error().message));
        return;
    }
    auto view = std::make_shared<CtrView>();
    view->promptSerial = m_promptSerial;
    view->options = beyond.ctr;
    view->layers = c.nLayers;
    view->heads = c.nHeads;
    for (auto id : m_prepared->ids())
        view->tokens.push_back(tokenText(*m_model, id));
    view->scores = metrics.catchTagRelease();
    Q_EMIT ctrReady(view);
}

} // namespace sinkscope::gui

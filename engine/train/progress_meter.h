#pragma once
// The progress line both trainers report every log_every steps: what they count (tokens or
// pictures) per second over the steps since the last report, and the time left at that pace.
// Evaluation is not training speed: restart() after a checkpoint. Private to the training library.
#include "train/trainer.h"

#include <chrono>
#include <cstdint>

namespace sinkscope::detail {

class ProgressMeter {
public:
    void restart() { m_last = std::chrono::steady_clock::now(); }
    void countStep() { ++m_steps; }

    // The report at `step` (`seen` counted so far, `perStep` counted by each step); the time since
    // the last report is added to `seconds`, the training time over all sessions.
    TrainProgress report(std::int64_t step, std::int64_t totalSteps, std::int64_t seen, double perStep,
                         double loss, double lr, double gradNorm, double& seconds) {
        const auto now = std::chrono::steady_clock::now();
        const double dt = std::chrono::duration<double>(now - m_last).count();
        m_last = now;
        seconds += dt;
        TrainProgress p;
        p.step = step;
        p.totalSteps = totalSteps;
        p.tokens = seen;
        p.trainLoss = loss;
        p.lr = lr;
        p.gradNorm = gradNorm;
        p.tokensPerSecond = dt > 0 ? static_cast<double>(m_steps) * perStep / dt : 0;
        p.etaSeconds =
            p.tokensPerSecond > 0 ? static_cast<double>(totalSteps - step) * perStep / p.tokensPerSecond : 0;
        m_steps = 0;
        return p;
    }

private:
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
    std::int64_t m_steps = 0;
};

} // namespace sinkscope::detail

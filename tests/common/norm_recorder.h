#pragma once
// The attention maps of a pass plus its hidden-state norms per state and token, as the golden
// files store them ([layers + 1, T], -1 where a norm never arrived), for the golden tests.
#include "session/capture.h"

#include <cstdint>
#include <vector>

namespace sinkscope::test {

class NormRecorder : public AttentionRecorder {
public:
    NormRecorder(int layers, int heads, std::int64_t T)
        : AttentionRecorder(layers, heads), m_T(T),
          m_norms(static_cast<std::size_t>((layers + 1) * T), -1.0f) {}
    bool wantsHiddenNorms() override { return true; }
    void onHiddenNorms(int state, std::int64_t first, const float* n, std::int64_t count) override {
        for (std::int64_t i = 0; i < count; ++i)
            m_norms[static_cast<std::size_t>(state * m_T + first + i)] = n[i];
    }
    const std::vector<float>& norms() const { return m_norms; }

private:
    std::int64_t m_T;
    std::vector<float> m_norms;
};

} // namespace sinkscope::test

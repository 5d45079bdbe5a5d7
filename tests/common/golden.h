#pragma once
// Golden outputs of the independent NumPy reference (tools/make_golden.py), read with the
// engine's own safetensors reader.
#include "io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinkscope::test {

struct Golden {
    std::vector<std::int32_t> tokenIds, greedyIds;
    std::vector<float> logits, attention, hiddenNorms;
    std::vector<float> stepLogits; // [greedy steps, V]: dynamic NTK models only
    std::vector<std::int64_t> logitsShape, attentionShape, normsShape;
};

inline Golden loadGolden(const std::string& path) {
    auto file = SafetensorsFile::open(path);
    if (!file) throw std::runtime_error(file.error().message);
    Golden g;
    for (const auto& t : file->tensors()) {
        auto copy = [&](auto& out) {
            out.resize(static_cast<std::size_t>(t.numel()));
            std::memcpy(out.data(), t.data, t.nbytes);
        };
        if (t.name == "token_ids")
            copy(g.tokenIds);
        else if (t.name == "greedy_ids")
            copy(g.greedyIds);
        else if (t.name == "step_logits")
            copy(g.stepLogits);
        else if (t.name == "logits") {
            copy(g.logits);
            g.logitsShape = t.shape;
        } else if (t.name == "attention") {
            copy(g.attention);
            g.attentionShape = t.shape;
        } else if (t.name == "hidden_norms") {
            copy(g.hiddenNorms);
            g.normsShape = t.shape;
        }
    }
    return g;
}

// |a - b| <= tol * max(1, |b|) element-wise; returns the worst excess ratio (<= 1 passes).
inline double worstRelativeError(const std::vector<float>& actual, const std::vector<float>& expected,
                                 double tol) {
    if (actual.size() != expected.size()) return 1e30;
    double worst = 0.0;
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const double scale = std::max(1.0, static_cast<double>(std::abs(expected[i])));
        worst = std::max(worst, std::abs(static_cast<double>(actual[i]) - expected[i]) / (tol * scale));
    }
    return worst;
}

// max |a - b| / max |b| over all elements: an error in units of the largest value (quantization and
// bf16 compute, where element-wise tolerances do not fit).
inline double relativeMaxError(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < b.size() && i < a.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
        scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    }
    return diff / scale;
}

} // namespace sinkscope::test

#pragma once
// Small fixed figures shared by the golden-image tests of the exported figures and the views.
#include "figures/figures.h"

#include <cmath>

namespace sinkscope::test {

// A 6-token causal map: the current token gets a share, the sink (token 0) the remainder.
inline HeatmapFigure causalFigure6() {
    HeatmapFigure f;
    f.rows = f.cols = 6;
    f.values.assign(36, NAN); // causal: the upper triangle is not stored
    for (int r = 0; r < 6; ++r) {
        float rest = 1.0f;
        for (int c = r; c >= 1; --c) {
            const float w = c == r ? 0.25f : 0.05f * static_cast<float>(c);
            f.values[static_cast<std::size_t>(r * 6 + c)] = w;
            rest -= w;
        }
        f.values[static_cast<std::size_t>(r * 6)] = rest;
    }
    f.rowLabels = {"<s>", "Once", " upon", " a", " time", "\n"};
    f.colLabels = f.rowLabels;
    f.title = "stories260K · layer 2 · head 5";
    f.dpi = 100;
    return f;
}

} // namespace sinkscope::test

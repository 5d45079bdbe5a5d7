#pragma once
// The heatmap figure of one head of a RunView: its values (NaN above the diagonal and for a layer
// whose maps were not kept), token labels and the words that say what it shows. The main map and
// the map beside it (side by side) are built the same way so their captions read alike.
#include "figures/figures.h"
#include "run_view.h"

#include <QString>

namespace sinkscope::gui {

enum class MapShown { Base, Intervened, Difference };

struct MapFigure {
    HeatmapFigure figure;
    bool present = false; // false: the layer's maps are not in the run (title says so)
};

// `shows` names what is drawn ("base run (no intervention)", "intervened: suppress", ...); the title
// is "MODEL · layer L · head H · SHOWS".
MapFigure mapFigure(const RunView& v, MapShown shown, int layer, int head, const QString& shows);

// The words for what a run's map shows: base, intervened with its SPECs, or the difference.
QString showsText(const RunView& v, MapShown shown);

} // namespace sinkscope::gui

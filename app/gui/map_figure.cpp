#include "map_figure.h"

#include <cmath>

namespace sinkscope::gui {

namespace {
QString settingOf(const RunView& v) {
    if (!v.caption.empty()) return QString::fromStdString(v.caption);
    if (v.interventions.empty()) return "no intervention";
    return QString::fromStdString(v.interventions.front()) + (v.interventions.size() > 1 ? " …" : "");
}
} // namespace

QString showsText(const RunView& v, MapShown shown) {
    const QString setting = settingOf(v);
    switch (shown) {
    case MapShown::Difference:
        return QString("difference: intervened − base (%1)").arg(setting);
    case MapShown::Base:
        return v.interventions.empty() ? QString("base run (no intervention)") : QString("base run");
    case MapShown::Intervened:
        break;
    }
    if (!v.caption.empty()) return setting;
    return v.interventions.empty() ? QString("base run (no intervention)")
                                   : QString("intervened: %1").arg(setting);
}

MapFigure mapFigure(const RunView& v, MapShown shown, int layer, int head, const QString& shows) {
    MapFigure out;
    HeatmapFigure& f = out.figure;
    f.rows = f.cols = v.T;
    const float* a = v.map(shown != MapShown::Base, layer, head);
    const float* b = v.map(false, layer, head);
    const bool diff = shown == MapShown::Difference;
    out.present = a != nullptr;
    f.values.assign(static_cast<std::size_t>(v.T * v.T), NAN);
    for (std::int64_t i = 0; a && i < v.T; ++i)
        for (std::int64_t j = 0; j <= i; ++j) {
            const auto k = static_cast<std::size_t>(i * v.T + j);
            f.values[k] = diff ? a[k] - b[k] : a[k];
        }
    for (const auto& t : v.tokens) {
        f.rowLabels.push_back(t);
        f.colLabels.push_back(t);
    }
    f.title = QString("%1 · layer %2 · head %3 · %4")
                  .arg(QString::fromStdString(v.modelName))
                  .arg(layer)
                  .arg(head)
                  .arg(shows)
                  .toStdString();
    f.colorbarLabel = diff ? "attention difference" : "attention weight";
    return out;
}

} // namespace sinkscope::gui

#include "overlay_export.h"

#include "figures/figure_builders.h"
#include "metrics/span_heads.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

namespace sinkscope::cli {

namespace {

// Every head's map of one layer over the prompt pass, [H, T, T].
class LayerMaps : public ForwardObserver {
public:
    LayerMaps(int layer, int heads, std::int64_t T)
        : m_layer(layer), m_T(T), m_maps(static_cast<std::size_t>(heads * T * T), 0.0f) {}
    bool wantsAttention(int layer, int) override { return layer == m_layer; }
    void onAttention(int, int head, const MatrixView& w) override {
        for (std::int64_t r = 0; r < w.rows && w.firstRow + r < m_T; ++r)
            std::memcpy(&m_maps[static_cast<std::size_t>((head * m_T + w.firstRow + r) * m_T)], w.row(r),
                        sizeof(float) * static_cast<std::size_t>(std::min(w.cols, m_T)));
    }
    const float* map(int head) const { return &m_maps[static_cast<std::size_t>(head * m_T * m_T)]; }
    MatrixView view(int head) const { return MatrixView{map(head), m_T, m_T, m_T, 0, 0}; }

private:
    int m_layer;
    std::int64_t m_T;
    std::vector<float> m_maps;
};

} // namespace

void addOverlayOptions(CLI::App* cmd, OverlayOptions& o) {
    cmd->add_option(
        "--overlay-out", o.out,
        "With --image: draw a query token's attention over the picture's patches (.png, .svg or .pdf)");
    cmd->add_option("--overlay-layer", o.layer, "The layer of --overlay-out (default 0)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option(
        "--overlay-heads", o.heads,
        "A head index, mean (of the layer) or image-centric (mean of the layer's image-centric heads)");
    cmd->add_option("--overlay-query", o.query, "The query token (default: the last prompt token)");
}

Status writeOverlay(const ModelRun& run, const OverlayOptions& o) {
    if (!run.image) return Error{"--overlay-out draws attention over a picture: give --image FILE"};
    const Model& m = *run.model;
    const auto& c = m.config();
    const auto T = static_cast<std::int64_t>(run.ids.size());
    if (o.layer >= c.nLayers)
        return Error{fmt::format("--overlay-layer {}: the model has layers 0-{}", o.layer, c.nLayers - 1)};
    const std::int64_t query = o.query < 0 ? T - 1 : o.query;
    if (query <= run.imageSpan.last || query >= T)
        return Error{fmt::format("--overlay-query {}: a token after the picture, {}-{}", query,
                                 run.imageSpan.last + 1, T - 1)};
    std::vector<int> heads;
    auto visual = measureVisualSinks(m, run.ids, run.image->embeddings);
    if (!visual) return visual.error();
    const auto& sinks = visual->layers[static_cast<std::size_t>(o.layer)];
    LayerMaps base(o.layer, c.nHeads, T);
    if (auto out = forwardWithImage(m, run.ids, run.image->embeddings, &base); !out) return out.error();
    if (o.heads == "mean" || o.heads == "image-centric") {
        for (int h = 0; h < c.nHeads; ++h)
            if (o.heads == "mean" ||
                spanHeadScore(base.view(h), run.imageSpan.first, run.imageSpan.last, sinks).selected)
                heads.push_back(h);
    } else {
        char* end = nullptr;
        const long h = std::strtol(o.heads.c_str(), &end, 10);
        if (o.heads.empty() || *end || h < 0 || h >= c.nHeads)
            return Error{
                fmt::format("--overlay-heads {}: a head 0-{}, mean or image-centric", o.heads, c.nHeads - 1)};
        heads.push_back(static_cast<int>(h));
    }
    LayerMaps maps(o.layer, c.nHeads, T);
    const LayerMaps* shown = &base;
    if (!run.interventions.empty()) {
        if (auto out = forwardWithImage(m, run.ids, run.image->embeddings, &maps, false, run.interventions);
            !out)
            return out.error();
        shown = &maps;
    }
    const auto& img = *run.image;
    const PatchGrid grid{run.imageSpan.first, img.gridRows, img.gridCols, img.leadingTokens};
    std::vector<const float*> chosen;
    for (int h : heads)
        chosen.push_back(shown->map(h));
    auto values = patchMean(chosen, T, query, grid);
    const std::string which = o.heads == "mean" ? "mean of its heads"
                              : o.heads == "image-centric"
                                  ? fmt::format("mean of {} image-centric heads", heads.size())
                                  : "head " + o.heads;
    const auto picture = std::filesystem::path(run.image->path).filename().string();
    std::string title = fmt::format("{} · query {} '{}' · layer {} · {}", picture, query,
                                    tokenText(m, run.ids[static_cast<std::size_t>(query)]), o.layer, which);
    if (!run.interventions.empty()) title += " · " + run.interventions.front().spec;
    ensureGuiApplication();
    const auto figure = patchOverlayFigure(img.picture.width, img.picture.height, img.picture.rgb, grid,
                                           std::move(values), sinks, title);
    return writeImageOverlay(figure, o.out);
}

} // namespace sinkscope::cli

#pragma once
// RunView: what one run hands the GUI thread — plain values, immutable once posted (shared_ptr
// to const), so views can keep it while the next run is computed.
#include "core/matrix_view.h"
#include "metrics/output_effect.h"
#include "metrics/sink_dimensions.h"
#include "vision/image_decode.h"

#include <QMetaType>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sinkscope::gui {

struct RunView {
    std::string modelName; // the model file or directory name, for figure titles
    // Which prompt the worker prepared for this run (the same for every run of one prompt); 0 for
    // runs not computed by the worker (stored runs), which have no model to ask.
    std::uint64_t promptSerial = 0;
    std::vector<std::int32_t> ids;
    std::vector<std::string> tokens;
    int layers = 0, heads = 0;
    std::int64_t T = 0;
    // Maps of layers firstLayer .. firstLayer + layerCount - 1 (layerCount -1: every layer): a big
    // model at a long prompt keeps the layers that fit in memory; captureNote says why.
    int firstLayer = 0, layerCount = -1;
    std::string captureNote;
    // [kept layers, heads, T, T] of the unmodified run, shared by every run of one prompt (and with
    // the worker). The shown run's maps: the very same buffer without interventions, else only the
    // layers the intervened run recomputed, from intervenedFrom on; the layers before it are the
    // unmodified run's and are read from baseAttention, never copied. A 2,000-token prompt's maps
    // are gigabytes: they are never copied to be shown.
    std::shared_ptr<const std::vector<float>> baseAttention, attention;
    int intervenedFrom = 0;                              // first layer held by `attention` (>= firstLayer)
    std::vector<std::vector<double>> baseAlpha0, alpha0; // [layer][head]
    std::vector<std::string> interventions;              // SPEC strings applied
    NextTokenEffect effect;                              // base vs intervened, next token
    std::vector<std::string> baseTopText, topText;       // token texts of effect.baseTop / intervenedTop
    std::string generatedBase, generatedIntervened;
    std::int64_t firstDivergence = -1; // generated token index, -1: identical
    // The two generations split at the first divergence: the shared start, then each one's rest.
    std::string generatedCommon, generatedBaseRest, generatedIntervenedRest;
    int firstRecomputedLayer = 0;
    std::string contextWarning; // non-empty when the run outgrows the model's trained context
    // Metrics of the unmodified run (computed when the prompt changes).
    double sinkRate = 0;                         // Sink_1^0.3 over this prompt's heads, percent
    std::vector<std::vector<float>> hiddenNorms; // [state][token]
    // Key and value L2 norms per token, mean over the KV heads ([layer][token]): the sink's key
    // and value usually differ from every other token's.
    std::vector<std::vector<float>> keyNorms, valueNorms;
    std::vector<std::int64_t> sinkDimensions; // D_sink
    double largestR = 0;
    struct SinkRow {
        std::int64_t token;
        int firstLayer, layers;
        std::string role;
    };
    std::vector<SinkRow> secondarySinks;
    // The unmodified run's residual stream (states 0..L) and its sink dimensions, for the channels
    // view; shared by every run of one prompt. Null for stored runs (traces keep only norms).
    std::shared_ptr<const HiddenStates> hiddenStates;
    std::shared_ptr<const SinkDimensions> sinkDims;
    double milliseconds = 0;
    // A run reopened from a trace file rather than computed: where it came from ("trace run 5 of
    // runs.sqlite"); empty for live runs. caption replaces the intervention text in figure titles
    // (a comparison of two stored runs); comparison: show attention − baseAttention first.
    std::string source, caption;
    bool comparison = false;

    // Each layer's sliding window (0: full attention), from the model's config or the trace's
    // settings; empty when not known (stored runs of older traces), read as no windows.
    std::vector<int> windows;

    // A LLaVA prompt's picture: where its block sits, its patch grid, what the tower saw, and its
    // visual sink tokens per layer on the unmodified run (image tokens only; metrics/visual_sinks.h).
    struct Image {
        std::string path;
        std::int64_t first = 0, last = -1;
        int gridRows = 0, gridCols = 0, leadingTokens = 0;
        std::shared_ptr<const RgbImage> picture;
        std::vector<std::vector<std::int64_t>> visualSinks; // [layer]
        std::vector<std::int64_t> sinkDims;
        double tau = 0;
    };
    std::shared_ptr<const Image> image; // null: a text prompt

    bool hasLayer(int layer) const {
        return layer >= firstLayer && (layerCount < 0 || layer < firstLayer + layerCount);
    }
    // One head's [T, T] map; null for a layer whose maps were not kept.
    const float* map(bool intervened, int layer, int head) const {
        if (!hasLayer(layer)) return nullptr;
        const bool unmodified = !intervened || layer < intervenedFrom;
        const auto& a = unmodified ? baseAttention : attention;
        const int from = unmodified ? firstLayer : std::max(firstLayer, intervenedFrom);
        if (!a) return nullptr;
        return a->data() + (static_cast<std::int64_t>(layer - from) * heads + head) * T * T;
    }
    int windowOf(int layer) const {
        return layer >= 0 && layer < static_cast<int>(windows.size())
                   ? windows[static_cast<std::size_t>(layer)]
                   : 0;
    }
    // One head's map as the engine's metrics read it: a key's weight is averaged over the rows of
    // its window only, not over later rows that cannot see it. Only for kept layers (hasLayer).
    MatrixView mapView(bool intervened, int layer, int head) const {
        return {map(intervened, layer, head), T, T, T, 0, windowOf(layer)};
    }
};

using RunViewPtr = std::shared_ptr<const RunView>;

// The picture's tokens read "img ROW,COL" (the leading class token "img cls") on the token strip
// and the map's axes: one labelled block, not hundreds of "<image>".
void labelImageTokens(RunView& view);

// alpha_0 of every head of a dense [layers, heads, T, T] buffer (as RunView holds), [layer][head]:
// on a layer with a window W (windows[layer] > 0) the mean of key 0's weight over the rows that see
// it (queries 0..W-1), as engine/metrics computes it; elsewhere over every row.
std::vector<std::vector<double>> alpha0Table(const std::vector<float>& maps, int layers, int heads,
                                             std::int64_t T, const std::vector<int>& windows = {});

} // namespace sinkscope::gui

Q_DECLARE_METATYPE(sinkscope::gui::RunViewPtr)

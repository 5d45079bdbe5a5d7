#pragma once
// Publication figures of attention maps: one heatmap with token labels and a colorbar, or a
// layer x head grid of thumbnails. Qt-free on purpose so the CLI's export code needs no Qt headers;
// the QImage API lives in figures/figure_image.h.
//
// Geometry is laid out in points (1/72 inch) and scales with the number of tokens: cells are at
// most 20 pt and shrink to fit about 480 pt, but never below one device pixel at `dpi`, so every
// token stays visible in the PNG (a 4k-token map at 150 dpi is ~4k pixels wide). Cell sizes are
// snapped to whole device pixels so cells are crisp and equal.
//
// Vector output (SVG, PDF): text is text and, for maps with rows * cols <= 128 * 128, cells are
// rectangles; larger maps (and grid thumbnails) are embedded as one lossless image at `dpi` with
// whole pixels per cell (at most 4096 pixels a side unless the map has more cells), because tens of
// thousands of rectangles make files that viewers crawl through.
//
// Threading: once a QGuiApplication exists, any one thread may render or write a figure (QImage,
// QSvgGenerator and QPdfWriter all paint off the GUI thread); the figure must not change meanwhile.
#include "core/result.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// Viridis, Magma: dark (low) to light (high). Grey: white (low) to black (high), the print
// convention; "not stored" cells are white like zeros. Diverging: blue-white-red, white at 0.
enum class Colormap { Viridis, Magma, Grey, Diverging };
enum class MapScale { Linear, Log, RowNormalized };

Result<Colormap> parseColormap(std::string_view name); // "viridis", "magma", "grey"/"gray", "diverging"
Result<MapScale> parseMapScale(std::string_view name); // "linear", "log", "row"
const char* colormapName(Colormap c);
const char* mapScaleName(MapScale s);

struct HeatmapFigure {
    std::int64_t rows = 0, cols = 0;
    // Row-major rows x cols. NaN (any non-finite value) = not stored, e.g. the causal upper
    // triangle: drawn as background.
    std::vector<float> values;
    // Query / key tokens as raw bytes: invalid UTF-8 is replaced by U+FFFD, control characters are
    // escaped (\n), long labels are elided. Empty = positions 0, 1, 2, ...; otherwise one per row/col.
    std::vector<std::string> rowLabels;
    std::vector<std::string> colLabels;
    std::string title; // e.g. "stories260K · layer 2 · head 5 · suppress"
    std::string colorbarLabel = "attention weight";
    std::string xLabel = "key token", yLabel = "query token";
    Colormap colormap = Colormap::Viridis;
    // Log: colours by log10; values <= 0 take the lowest colour. RowNormalized: each row divided
    // by its maximum (the colorbar label gets " (÷ row max)").
    MapScale scale = MapScale::Linear;
    // Colour range in data units (after row normalisation). NaN: from the data; Diverging with a
    // linear or row scale: symmetric around 0. Log from the data spans at most 8 decades.
    double vmin = NAN, vmax = NAN;
    int dpi = 150; // PNG resolution; also the resolution of images embedded in SVG/PDF (10..2400)
    // Optional: columns and rows to point out (e.g. sink dimensions, sink tokens), each drawn as a
    // small triangle outside the map (columns above it, rows right of it) and, where cells are wide
    // enough, a frame around the column or row. Indices within the map.
    std::vector<std::int64_t> markedCols, markedRows;
};

struct GridFigure { // layer x head overview of one run
    int layers = 0, heads = 0;
    // layers * heads, row-major (layer, head); only values/rows/cols are used. Thumbnails share one
    // colour range (so heads compare) and are max-pooled to the thumbnail size (sinks stay visible).
    std::vector<HeatmapFigure> cells;
    std::vector<double>
        cellValue; // optional number printed under each thumbnail, e.g. alpha_0 (empty = none)
    std::string cellValueLabel = "α₀";
    std::vector<bool> marked; // optional: e.g. sink heads, drawn with a highlighted frame (empty = none)
    std::string markedLabel = "sink head"; // what the frame means, in the legend under the grid
    std::string title;
    std::string colorbarLabel = "attention weight";
    Colormap colormap = Colormap::Viridis;
    MapScale scale = MapScale::Linear;
    int dpi = 150;
};

// Renders to a file; the extension (case-insensitive) picks the format: .png (raster at dpi),
// .svg and .pdf (vector). The file is replaced atomically. Errors name the path. Creates a
// QGuiApplication when none exists (ensureGuiApplication).
Status writeHeatmap(const HeatmapFigure& f, const std::string& path);
Status writeGrid(const GridFigure& f, const std::string& path);

// Two maps side by side on ONE colour scale (e.g. the same head in two models, or base beside
// intervened), each with its own title and tokens, one colorbar per map showing the same range.
// shareColourRange sets both figures' vmin/vmax to the range that covers both maps (where neither
// figure fixes one) under the left figure's scale and colormap; writeHeatmapPair calls it.
void shareColourRange(HeatmapFigure& left, HeatmapFigure& right);
Status writeHeatmapPair(HeatmapFigure left, HeatmapFigure right, const std::string& path);

// Checks shapes and options; the messages are those write* prefix with the path.
Status validateHeatmap(const HeatmapFigure& f);
Status validateGrid(const GridFigure& f);

// Headless use from a non-GUI program: ensures a QGuiApplication exists, creating one with the
// offscreen platform if QT_QPA_PLATFORM is unset and there is no display. The instance lives until
// exit. Does nothing when a QGuiApplication already exists. Call from the main thread.
void ensureGuiApplication();

} // namespace sinkscope

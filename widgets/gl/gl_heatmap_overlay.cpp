// GlHeatmapView's overlay, drawn with Dear ImGui over the tiles each frame: token labels along the
// axes, the colour bar in data units, the hovered cell's crosshair and readout, the layer x head
// minimap (G) and the view info (I). Also the ImGui context's life, which follows the GL context's.
#include "gl/gl_heatmap_view.h"

#include "figures/colormap.h"
#include "figures/labels.h"
#include "figures/readout.h"
#include "gl/gl_heatmap_layout.h"

#include <QFile>

#include <fmt/format.h>

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace sinkscope {

namespace {
using heatmap_layout::kMiniCell;
constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr ImU32 kInk = IM_COL32(40, 40, 40, 255), kFaint = IM_COL32(120, 120, 120, 255);

// Token labels need more than ImGui's Latin-1 default: punctuation, arrows, U+FFFD.
const ImWchar kGlyphRanges[] = {0x0020, 0x024F, 0x2000, 0x206F, 0x2190, 0x21FF,
                                0x2580, 0x25FF, 0xFFFD, 0xFFFD, 0};

ImU32 colourAt(Colormap c, double t) {
    const Rgb rgb = colormapRgb(c, t);
    return IM_COL32(rgb.r, rgb.g, rgb.b, 255);
}

std::string axisLabel(const std::vector<std::string>& labels, std::int64_t i, std::size_t maxChars) {
    if (labels.empty()) return std::to_string(i);
    return displayLabel(labels[static_cast<std::size_t>(i)], maxChars);
}

// Overlay pixels of the edges of level-0 cells (fractional rows and columns), for the current view.
struct CellEdges {
    QRectF area;
    QPointF topLeft;
    double ppc;
    float x(double col) const { return float(area.left() + (col - topLeft.x()) * ppc); }
    float y(double row) const { return float(area.top() + (row - topLeft.y()) * ppc); }
};
} // namespace

void GlHeatmapView::initOverlay() {
    ImGuiContext* previous = ImGui::GetCurrentContext();
    m_imgui = ImGui::CreateContext();
    ImGui::SetCurrentContext(m_imgui);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // overlays have no layout worth persisting
    io.LogFilename = nullptr;
    if (QFile::exists(kFontPath)) io.Fonts->AddFontFromFileTTF(kFontPath, 14.0f, nullptr, kGlyphRanges);
    ImGui::StyleColorsLight();
    ImGui_ImplOpenGL3_Init("#version 330 core");
    if (previous) ImGui::SetCurrentContext(previous);
}

void GlHeatmapView::shutdownOverlay() {
    ImGui::SetCurrentContext(m_imgui);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext(m_imgui);
}

void GlHeatmapView::drawOverlay() {
    if (!m_imgui) return;
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(m_imgui);
    ImGuiIO& io = ImGui::GetIO();
    const qreal dpr = devicePixelRatio();
    io.DisplaySize = ImVec2(float(width()), float(height()));
    io.DisplayFramebufferScale = ImVec2(float(dpr), float(dpr));
    io.DeltaTime = std::max(1e-4f, float(m_clock.restart()) / 1000.0f);
    io.MousePos = m_mouseInside ? ImVec2(float(m_mouse.x()), float(m_mouse.y())) : ImVec2(-FLT_MAX, -FLT_MAX);
    io.MouseDown[0] = m_mouseDown;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    ImDrawList* dl = ImGui::GetForegroundDrawList();

    if (m_pyramid.empty()) {
        const char* text = "run a prompt to see its attention";
        const ImVec2 size = ImGui::CalcTextSize(text);
        dl->AddText(ImVec2((float(width()) - size.x) / 2, (float(height()) - size.y) / 2), kFaint, text);
    } else {
        drawAxisLabels(dl);
        drawColourBar(dl);
        drawHover(dl);
        drawMinimap(dl);
        if (m_showInfo) drawViewInfo(dl);
    }
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (previous && previous != m_imgui) ImGui::SetCurrentContext(previous);
}

void GlHeatmapView::drawAxisLabels(ImDrawList* dl) {
    const QRectF area = mapArea();
    const CellEdges cells{area, m_topLeft, m_ppc};
    const float lineH = ImGui::GetTextLineHeight();
    dl->AddText(ImVec2(4, 3), kFaint, "rows: query token   columns: key token");
    dl->AddRect(ImVec2(float(area.left()) - 1, float(area.top()) - 1),
                ImVec2(float(area.right()) + 1, float(area.bottom()) + 1), IM_COL32(160, 160, 160, 255));

    // Row labels, thinned so they never overlap (position 0, the usual sink, is always shown).
    const auto rowStride = std::max<std::int64_t>(1, std::int64_t(std::ceil(lineH / m_ppc)));
    const auto r0 = std::max<std::int64_t>(0, std::int64_t(std::floor(m_topLeft.y())));
    const auto r1 = std::min<std::int64_t>(m_figure.rows - 1,
                                           std::int64_t(std::ceil(m_topLeft.y() + area.height() / m_ppc)));
    dl->PushClipRect(ImVec2(0, float(area.top()) - lineH / 2),
                     ImVec2(float(area.left()) - 2, float(area.bottom()) + lineH / 2));
    for (std::int64_t r = r0 - r0 % rowStride; r <= r1; r += rowStride) {
        const std::string text = axisLabel(m_figure.rowLabels, r, 10);
        const ImVec2 size = ImGui::CalcTextSize(text.c_str());
        dl->AddText(ImVec2(float(area.left()) - 5 - size.x, cells.y(double(r) + 0.5) - size.y / 2), kInk,
                    text.c_str());
    }
    dl->PopClipRect();
    const double colPitch = ImGui::CalcTextSize("abcdefgh").x + 6;
    const auto colStride = std::max<std::int64_t>(1, std::int64_t(std::ceil(colPitch / m_ppc)));
    const auto c0 = std::max<std::int64_t>(0, std::int64_t(std::floor(m_topLeft.x())));
    const auto c1 = std::min<std::int64_t>(m_figure.cols - 1,
                                           std::int64_t(std::ceil(m_topLeft.x() + area.width() / m_ppc)));
    dl->PushClipRect(ImVec2(float(area.left()) - 30, float(area.bottom())),
                     ImVec2(float(area.right()) + 30, float(height())));
    for (std::int64_t c = c0 - c0 % colStride; c <= c1; c += colStride) {
        const std::string text = axisLabel(m_figure.colLabels, c, 8);
        const ImVec2 size = ImGui::CalcTextSize(text.c_str());
        dl->AddText(ImVec2(cells.x(double(c) + 0.5) - size.x / 2, float(area.bottom()) + 4), kInk,
                    text.c_str());
    }
    dl->PopClipRect();
}

// The colour bar in data units, right of the map.
void GlHeatmapView::drawColourBar(ImDrawList* dl) {
    const QRectF area = mapArea();
    const float lineH = ImGui::GetTextLineHeight();
    const float barX = float(area.right()) + 10, barW = 12;
    const int steps = 64;
    for (int i = 0; i < steps; ++i) {
        const float yTop = float(area.top() + area.height() * i / steps);
        const float yBot = float(area.top() + area.height() * (i + 1) / steps);
        dl->AddRectFilledMultiColor(ImVec2(barX, yTop), ImVec2(barX + barW, yBot + 0.5f),
                                    colourAt(m_figure.colormap, 1.0 - double(i) / steps),
                                    colourAt(m_figure.colormap, 1.0 - double(i) / steps),
                                    colourAt(m_figure.colormap, 1.0 - double(i + 1) / steps),
                                    colourAt(m_figure.colormap, 1.0 - double(i + 1) / steps));
    }
    const ColourRange& range = m_pyramid.range();
    const auto dataUnits = [&](double v) { return range.log ? std::pow(10.0, v) : v; };
    const std::string hi = fmt::format("{:.3g}", dataUnits(range.hi));
    const std::string lo = fmt::format("{:.3g}", dataUnits(range.lo));
    dl->AddText(ImVec2(barX + barW + 3, float(area.top())), kInk, hi.c_str());
    dl->AddText(ImVec2(barX + barW + 3, float(area.bottom()) - lineH), kInk, lo.c_str());
}

// Crosshair on the hovered query row and key column, then the readout (not while dragging).
void GlHeatmapView::drawHover(ImDrawList* dl) {
    std::int64_t row = 0, col = 0;
    if (!hoveredCell(row, col) || m_mouseDown) return;
    const QRectF area = mapArea();
    const CellEdges cells{area, m_topLeft, m_ppc};
    const ImU32 cross = IM_COL32(255, 255, 255, 200);
    dl->PushClipRect(ImVec2(float(area.left()), float(area.top())),
                     ImVec2(float(area.right()), float(area.bottom())));
    dl->AddRect(ImVec2(float(area.left()), cells.y(double(row))),
                ImVec2(float(area.right()), cells.y(double(row) + 1)), cross);
    dl->AddRect(ImVec2(cells.x(double(col)), float(area.top())),
                ImVec2(cells.x(double(col) + 1), float(area.bottom())), cross);
    dl->PopClipRect();
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(cellReadout(m_figure, row, col).c_str());
    ImGui::EndTooltip();
}

// The layer x head minimap (G): alpha_0 per head, sink heads framed red, the shown head in black.
void GlHeatmapView::drawMinimap(ImDrawList* dl) {
    const QRectF mini = minimapRect();
    if (mini.isEmpty()) return;
    const float lineH = ImGui::GetTextLineHeight();
    dl->AddRectFilled(ImVec2(float(mini.left()) - 4, float(mini.top()) - lineH - 4),
                      ImVec2(float(mini.right()) + 4, float(mini.bottom()) + 4), IM_COL32(255, 255, 255, 215),
                      3.0f);
    dl->AddText(ImVec2(float(mini.left()), float(mini.top()) - lineH - 2), kInk, "heads (G)");
    for (int l = 0; l < m_overview.layers; ++l) {
        for (int hd = 0; hd < m_overview.heads; ++hd) {
            const std::size_t i = std::size_t(l * m_overview.heads + hd);
            const double v = i < m_overview.values.size() ? m_overview.values[i] : 0.0;
            const ImVec2 a(float(mini.left()) + float(hd) * kMiniCell,
                           float(mini.top()) + float(l) * kMiniCell);
            const ImVec2 b(a.x + kMiniCell - 1, a.y + kMiniCell - 1);
            dl->AddRectFilled(a, b, colourAt(Colormap::Viridis, std::clamp(v, 0.0, 1.0)));
            if (i < m_overview.marked.size() && m_overview.marked[i])
                dl->AddRect(a, b, IM_COL32(230, 40, 40, 255), 0.0f, 0, 1.5f);
            if (l == m_overview.layer && hd == m_overview.head)
                dl->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), IM_COL32(0, 0, 0, 255), 0.0f,
                            0, 2.0f);
        }
    }
}

// The view info (I): level of detail, zoom and the tile cache, bottom left of the map.
void GlHeatmapView::drawViewInfo(ImDrawList* dl) {
    const QRectF area = mapArea();
    const std::string info = fmt::format("level {} (1 texel = {} cells a side) · {:.3g} px/cell · "
                                         "tiles {} drawn, {} uploaded, {} cached (I)",
                                         m_stats.level, HeatmapPyramid::span(m_stats.level), m_ppc,
                                         m_stats.tilesDrawn, m_stats.tilesUploaded, m_tiles.size());
    const ImVec2 size = ImGui::CalcTextSize(info.c_str());
    const ImVec2 at(float(area.left()) + 6, float(area.bottom()) - size.y - 6);
    dl->AddRectFilled(ImVec2(at.x - 3, at.y - 2), ImVec2(at.x + size.x + 3, at.y + size.y + 2),
                      IM_COL32(255, 255, 255, 215), 3.0f);
    dl->AddText(at, kInk, info.c_str());
}

} // namespace sinkscope

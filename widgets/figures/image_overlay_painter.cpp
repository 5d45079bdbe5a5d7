#include "figures/image_overlay_painter.h"

#include "figures/colormap.h"
#include "figures/figure_style.h"
#include "figures/map_image.h"

#include <QPen>

#include <algorithm>
#include <cmath>

namespace sinkscope {

namespace fs = figure_style;

namespace {
constexpr double kTitleGap = 8.0;
constexpr double kColorbarGap = 14.0;
constexpr double kMinColorbar = 120.0; // room for at least three ticks and the label
constexpr double kLegendGap = 8.0;
constexpr double kSwatch = 9.0;      // the legend's sample frame
constexpr double kSwatchGap = 5.0;   // sample to its text
constexpr double kFigureFrame = 1.5; // marked patches in the figure, points
constexpr int kMaxEmbeddedSide = 4096;

// Whole-factor enlargement for embedded images: about `side` units shown with `pixel` units per
// output pixel, but never past kMaxEmbeddedSide pixels (viewers scale the rest).
int embedFactor(double side, double pixel, int n) {
    const auto f = static_cast<int>(std::lround(side / pixel / n));
    return std::clamp(f, 1, std::max(1, kMaxEmbeddedSide / n));
}
} // namespace

// Bright cyan: absent from magma, grey and the diverging map, far from viridis's teal in lightness.
const QColor ImageOverlayLayers::kFrameColour{0, 229, 255};

ImageOverlayLayers::ImageOverlayLayers(const ImageOverlayFigure& f) : m_colormap(f.colormap) {
    m_picture = QImage(f.width, f.height, QImage::Format_RGB32);
    for (int y = 0; y < f.height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(m_picture.scanLine(y));
        const std::uint8_t* in =
            f.rgb.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(f.width) * 3;
        for (int x = 0; x < f.width; ++x, in += 3)
            line[x] = qRgb(in[0], in[1], in[2]);
    }

    m_barLabel = fs::qstr(f.colorbarLabel);
    if (f.scale == MapScale::RowNormalized) m_barLabel += m_barLabel.isEmpty() ? "÷ max" : " (÷ max)";
    const auto n =
        static_cast<std::size_t>(std::max(0, f.gridRows)) * static_cast<std::size_t>(std::max(0, f.gridCols));
    if (f.gridRows <= 0 || f.gridCols <= 0 || f.values.size() != n || f.gridRows > f.height ||
        f.gridCols > f.width)
        return;
    m_rows = f.gridRows;
    m_cols = f.gridCols;
    // One row: RowNormalized then divides by the largest value of the whole grid.
    const std::vector<float> transformed =
        transformValues(f.values.data(), 1, static_cast<std::int64_t>(n), f.scale);
    RangeFinder finder;
    finder.add(transformed);
    m_range = finder.finish(f.scale, f.colormap, f.vmin, f.vmax);

    const int alpha = static_cast<int>(std::lround(std::clamp(f.opacity, 0.0, 1.0) * 255.0));
    const auto table = colormapTable(f.colormap);
    m_tint = QImage(m_cols, m_rows, QImage::Format_ARGB32_Premultiplied);
    for (int r = 0; r < m_rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(m_tint.scanLine(r));
        for (int c = 0; c < m_cols; ++c) {
            const double t = m_range.position(transformed[static_cast<std::size_t>(r * m_cols + c)]);
            if (std::isnan(t)) {
                line[c] = qRgba(0, 0, 0, 0);
                continue;
            }
            const Rgb& rgb = table[static_cast<std::size_t>(std::lround(t * 255.0))];
            line[c] = qPremultiply(qRgba(rgb.r, rgb.g, rgb.b, alpha));
        }
    }
    for (std::int64_t i : f.markedPatches)
        if (i >= 0 && i < static_cast<std::int64_t>(n)) m_marked.push_back(i);
}

QRectF ImageOverlayLayers::patchRect(const QRectF& target, std::int64_t index) const {
    if (m_rows <= 0 || m_cols <= 0) return {};
    const double cw = target.width() / m_cols, ch = target.height() / m_rows;
    const auto r = static_cast<double>(index / m_cols), c = static_cast<double>(index % m_cols);
    return {target.left() + c * cw, target.top() + r * ch, cw, ch};
}

std::int64_t ImageOverlayLayers::patchAt(const QRectF& target, QPointF pos) const {
    if (m_rows <= 0 || m_cols <= 0 || target.isEmpty()) return -1;
    if (pos.x() < target.left() || pos.y() < target.top() || pos.x() >= target.right() ||
        pos.y() >= target.bottom())
        return -1;
    const auto c =
        std::min(m_cols - 1, static_cast<int>((pos.x() - target.left()) / target.width() * m_cols));
    const auto r =
        std::min(m_rows - 1, static_cast<int>((pos.y() - target.top()) / target.height() * m_rows));
    return static_cast<std::int64_t>(r) * m_cols + c;
}

void ImageOverlayLayers::paintFrame(QPainter& p, const QRectF& cell, double width) {
    p.save();
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(0, 0, 0, 170), width * 2.2, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    p.drawRect(cell);
    p.setPen(QPen(kFrameColour, width, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    p.drawRect(cell);
    p.restore();
}

void ImageOverlayLayers::paintPicture(QPainter& p, const QRectF& target, const Style& style) const {
    if (style.vector) {
        const int f = embedFactor(std::max(target.width(), target.height()), style.pixel,
                                  std::max(m_picture.width(), m_picture.height()));
        p.setRenderHint(QPainter::SmoothPixmapTransform, f == 1);
        p.drawImage(target, enlarge(m_picture, f, f));
        return;
    }
    // Reduced pictures are resampled once, smoothly: nearest-neighbour reduction would alias.
    const QRectF device = p.deviceTransform().mapRect(target);
    const int w = std::max(1, static_cast<int>(std::lround(device.width())));
    const int h = std::max(1, static_cast<int>(std::lround(device.height())));
    if (w < m_picture.width() || h < m_picture.height()) {
        p.setRenderHint(QPainter::SmoothPixmapTransform, true);
        p.drawImage(target, m_picture.scaled(w, h, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
        return;
    }
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(target, m_picture);
}

void ImageOverlayLayers::paint(QPainter& p, const QRectF& target, const Style& style) const {
    if (target.isEmpty()) return;
    p.save();
    paintPicture(p, target, style);
    if (hasGrid()) {
        p.setRenderHint(QPainter::SmoothPixmapTransform, false); // crisp patch edges
        if (style.vector) {
            const int fx = embedFactor(target.width(), style.pixel, m_cols);
            const int fy = embedFactor(target.height(), style.pixel, m_rows);
            p.drawImage(target, enlarge(m_tint, fx, fy));
        } else {
            p.drawImage(target, m_tint);
        }
    }
    p.restore();
    for (std::int64_t i : m_marked)
        paintFrame(p, patchRect(target, i), style.frameWidth);
}

ImageOverlayPainter::ImageOverlayPainter(const ImageOverlayFigure& f) : m_layers(f) {
    m_pixel = 72.0 / f.dpi;
    // The longer side at about kImageOverlaySide points: a whole enlargement factor (crisp pixels)
    // for smaller pictures, a smooth reduction for larger ones.
    const double sidePx = kImageOverlaySide / m_pixel;
    const int longest = std::max(f.width, f.height);
    double w = f.width, h = f.height;
    if (longest <= sidePx) {
        const double k = std::max(1.0, std::round(sidePx / longest));
        w *= k;
        h *= k;
    } else {
        const double s = sidePx / longest;
        w = std::max(1.0, std::round(w * s));
        h = std::max(1.0, std::round(h * s));
    }

    m_titleText = fs::qstr(f.title);
    const QFontMetricsF titleFm = fs::metrics(fs::font(fs::kTitlePt, true));
    const double titleBand = m_titleText.isEmpty() ? 0.0 : titleFm.height() + kTitleGap;
    // On whole PNG pixels, so the picture's pixels map onto whole device pixels.
    const auto snap = [&](double x) { return std::ceil(x / m_pixel - 1e-9) * m_pixel; };
    m_pictureRect = QRectF(snap(fs::kPad), snap(fs::kPad + titleBand), w * m_pixel, h * m_pixel);

    m_colorbar.emplace(f.colormap, m_layers.range(), m_layers.colorbarLabel(),
                       std::max(m_pictureRect.height(), kMinColorbar));
    m_colorbarPos = QPointF(m_pictureRect.right() + kColorbarGap, m_pictureRect.top());
    const QRectF bar = colorbarBounds();

    const QFontMetricsF legendFm = fs::metrics(fs::font(fs::kAxisPt));
    if (!m_layers.marked().empty()) {
        m_legendText = fs::qstr(f.markedLabel);
        m_legend = QRectF(m_pictureRect.left(), m_pictureRect.bottom() + kLegendGap,
                          kSwatch + kSwatchGap + legendFm.horizontalAdvance(m_legendText),
                          std::max(kSwatch, legendFm.height()));
    } else {
        m_legend = QRectF(m_pictureRect.left(), m_pictureRect.bottom(), 0.0, 0.0);
    }

    const double tw = titleFm.horizontalAdvance(m_titleText);
    m_title = QRectF(std::max(fs::kPad, m_pictureRect.center().x() - tw / 2.0), fs::kPad, tw,
                     m_titleText.isEmpty() ? 0.0 : titleFm.height());
    const double width = std::max({bar.right(), m_legend.right(), m_title.right()});
    const double height = std::max({m_pictureRect.bottom(), m_legend.bottom(), bar.bottom()});
    m_size = QSizeF(width + fs::kPad, height + fs::kPad);
}

void ImageOverlayPainter::paint(QPainter& p, bool vector) const {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(QRectF(QPointF(0, 0), m_size), fs::kBackground);

    // The border just outside the picture, drawn first: frames of patches on the edge cover it.
    const double half = fs::kFrameWidth / 2.0;
    p.setPen(QPen(fs::kFrame, fs::kFrameWidth));
    p.setBrush(Qt::NoBrush);
    p.drawRect(m_pictureRect.adjusted(-half, -half, half, half));
    m_layers.paint(p, m_pictureRect, {kFigureFrame, vector, m_pixel});
    m_colorbar->paint(p, m_colorbarPos);

    if (!m_legendText.isEmpty()) {
        const QFont font = fs::font(fs::kAxisPt);
        const QFontMetricsF fm = fs::metrics(font);
        const double cy = m_legend.center().y();
        ImageOverlayLayers::paintFrame(p, QRectF(m_legend.left(), cy - kSwatch / 2.0, kSwatch, kSwatch),
                                       kFigureFrame);
        p.setFont(font);
        p.setPen(fs::kText);
        p.drawText(QPointF(m_legend.left() + kSwatch + kSwatchGap, cy + (fm.ascent() - fm.descent()) / 2.0),
                   m_legendText);
    }
    if (!m_titleText.isEmpty()) {
        const QFont titleFont = fs::font(fs::kTitlePt, true);
        p.setFont(titleFont);
        p.setPen(fs::kText);
        p.drawText(QPointF(m_title.left(), m_title.top() + fs::metrics(titleFont).ascent()), m_titleText);
    }
}

} // namespace sinkscope

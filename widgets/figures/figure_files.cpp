// Figures to files and images: PNG through QImage, SVG through QSvgGenerator, PDF through
// QPdfWriter. Every device paints in points (72 dpi logical) so one layout serves all three.
// A figure is encoded in memory and then written with AtomicFile: Qt's devices report a failed
// write late or not at all (an SVG flushed on close came out truncated and "written"; libpng
// prints its own lines), while AtomicFile checks every write and the close, keeps an existing
// file untouched on failure and says why in one line.
#include "figures/figure_image.h"
#include "figures/figure_output.h"
#include "figures/figure_style.h"
#include "figures/grid_painter.h"
#include "figures/heatmap_painter.h"

#include "core/atomic_file.h"

#include <QBuffer>
#include <QGuiApplication>
#include <QImageWriter>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

namespace sinkscope {

namespace {

namespace fs = figure_style;

using Format = FigureFormat;

// A larger PNG side is more likely a mistake (dpi far too high) than a figure.
constexpr int kMaxImageSide = 16384;

using Figure = FigureDrawing;

Result<Format> formatOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return Error{"no file extension to pick the format from (use .png, .svg or .pdf)"};
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".png") return Format::Png;
    if (ext == ".svg") return Format::Svg;
    if (ext == ".pdf") return Format::Pdf;
    return Error{"unknown figure format \"" + path.substr(dot) + "\" (use .png, .svg or .pdf)"};
}

bool haveGuiApplication() {
    ensureGuiApplication();
    return qobject_cast<QGuiApplication*>(QCoreApplication::instance()) != nullptr;
}

const char* const kNoGuiApp =
    "figures need a QGuiApplication, but this program made a plain QCoreApplication";

QImage renderImage(const Figure& fig) {
    const double scale = fig.dpi / 72.0;
    const double w = std::ceil(fig.size.width() * scale), h = std::ceil(fig.size.height() * scale);
    if (w > kMaxImageSide || h > kMaxImageSide) return {};
    QImage img(static_cast<int>(w), static_cast<int>(h), QImage::Format_ARGB32_Premultiplied);
    if (img.isNull()) return img;
    fs::setPointResolution(img); // fonts sized in points resolve at 72 dpi, then the painter scales
    img.fill(fs::kBackground);
    {
        QPainter p(&img);
        p.scale(scale, scale);
        fig.paint(p, false);
    }
    QImage out = img.convertToFormat(QImage::Format_RGB32);
    const int dpm = static_cast<int>(std::lround(fig.dpi / 0.0254));
    out.setDotsPerMeterX(dpm);
    out.setDotsPerMeterY(dpm);
    return out;
}

Status writePng(const Figure& fig, QIODevice& file) {
    const QImage img = renderImage(fig);
    if (img.isNull())
        return Error{"figure of " + std::to_string(std::lround(fig.size.width() * fig.dpi / 72.0)) + "x" +
                     std::to_string(std::lround(fig.size.height() * fig.dpi / 72.0)) + " pixels at " +
                     std::to_string(fig.dpi) + " dpi is too large (at most " + std::to_string(kMaxImageSide) +
                     " a side): lower the dpi"};
    QImageWriter writer(&file, "png");
    writer.setText(QStringLiteral("Title"), fs::qstr(fig.title));
    writer.setText(QStringLiteral("Software"), QStringLiteral("SinkScope"));
    if (!writer.write(img)) return Error{"cannot write PNG: " + writer.errorString().toStdString()};
    return okStatus();
}

Status writeSvg(const Figure& fig, QIODevice& file) {
    const QSize size(static_cast<int>(std::ceil(fig.size.width())),
                     static_cast<int>(std::ceil(fig.size.height())));
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setResolution(72); // user units are points
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(fs::qstr(fig.title));
    svg.setDescription(QStringLiteral("SinkScope attention figure"));
    QPainter p;
    if (!p.begin(&svg)) return Error{"cannot start the SVG painter"};
    fig.paint(p, true);
    p.end();
    return okStatus();
}

Status writePdf(const Figure& fig, QIODevice& file) {
    const QSizeF size(std::ceil(fig.size.width()), std::ceil(fig.size.height()));
    QPdfWriter pdf(&file);
    pdf.setResolution(72); // device units are points
    pdf.setPageSize(QPageSize(size, QPageSize::Point, QString(), QPageSize::ExactMatch));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setTitle(fs::qstr(fig.title));
    pdf.setCreator(QStringLiteral("SinkScope"));
    QPainter p;
    if (!p.begin(&pdf)) return Error{"cannot start the PDF painter"};
    p.setRenderHint(QPainter::LosslessImageRendering); // Qt would embed images as JPEG: smeared cells
    fig.paint(p, true);
    p.end();
    return okStatus();
}

Status writeFigure(const Figure& fig, Format format, QIODevice& file) {
    switch (format) {
    case Format::Png:
        return writePng(fig, file);
    case Format::Svg:
        return writeSvg(fig, file);
    case Format::Pdf:
        return writePdf(fig, file);
    }
    return Error{"unknown format"};
}

// Checks run before the file is opened, so a bad figure never leaves a file behind.
Result<Format> preflight(const std::string& path, const Status& valid) {
    const auto format = formatOf(path);
    if (!format) return Error{path + ": " + format.error().message};
    if (!valid) return Error{path + ": " + valid.error().message};
    if (!haveGuiApplication()) return Error{path + ": " + kNoGuiApp};
    return format;
}

Status writeToPath(const std::string& path, Format format, const Figure& fig) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (auto s = writeFigure(fig, format, buffer); !s) return Error{path + ": " + s.error().message};
    buffer.close();
    return writeFileAtomically(path,
                               std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
}

Figure describeHeatmap(const HeatmapFigure& f, const HeatmapPainter& painter) {
    return {painter.size(), f.dpi, f.title,
            [&painter](QPainter& p, bool vector) { painter.paint(p, vector); }};
}

Figure describeGrid(const GridFigure& f, const GridPainter& painter) {
    return {painter.size(), f.dpi, f.title, [&painter](QPainter& p, bool) { painter.paint(p); }};
}

// Two heatmaps next to each other, tops aligned, a gap of kPairGap points between them.
constexpr double kPairGap = 24.0;

Figure describePair(const HeatmapFigure& left, const HeatmapPainter& a, const HeatmapPainter& b) {
    const QSizeF size(a.size().width() + kPairGap + b.size().width(),
                      std::max(a.size().height(), b.size().height()));
    const double dx = a.size().width() + kPairGap;
    return {size, left.dpi, left.title, [&a, &b, dx](QPainter& p, bool vector) {
                a.paint(p, vector);
                p.save();
                p.translate(dx, 0.0);
                b.paint(p, vector);
                p.restore();
            }};
}

} // namespace

Result<FigureFormat> checkFigureOutput(const std::string& path, const Status& valid) {
    return preflight(path, valid);
}

Status writeFigureDrawing(const std::string& path, FigureFormat format, const FigureDrawing& drawing) {
    return writeToPath(path, format, drawing);
}

QImage renderFigureDrawing(const FigureDrawing& drawing) {
    return renderImage(drawing);
}

Status writeHeatmapPair(HeatmapFigure left, HeatmapFigure right, const std::string& path) {
    right.dpi = left.dpi;
    shareColourRange(left, right);
    const Status valid = validateHeatmap(left);
    const auto format = preflight(path, valid ? validateHeatmap(right) : valid);
    if (!format) return format.error();
    const HeatmapPainter a(left), b(right);
    return writeToPath(path, *format, describePair(left, a, b));
}

QImage renderHeatmapPair(HeatmapFigure left, HeatmapFigure right) {
    right.dpi = left.dpi;
    shareColourRange(left, right);
    if (!validateHeatmap(left) || !validateHeatmap(right) || !haveGuiApplication()) return {};
    const HeatmapPainter a(left), b(right);
    return renderImage(describePair(left, a, b));
}

Status writeHeatmap(const HeatmapFigure& f, const std::string& path) {
    const auto format = preflight(path, validateHeatmap(f));
    if (!format) return format.error();
    const HeatmapPainter painter(f);
    return writeToPath(path, *format, describeHeatmap(f, painter));
}

Status writeGrid(const GridFigure& f, const std::string& path) {
    const auto format = preflight(path, validateGrid(f));
    if (!format) return format.error();
    const GridPainter painter(f);
    return writeToPath(path, *format, describeGrid(f, painter));
}

QImage renderHeatmap(const HeatmapFigure& f) {
    if (!validateHeatmap(f) || !haveGuiApplication()) return {};
    const HeatmapPainter painter(f);
    return renderImage(describeHeatmap(f, painter));
}

QImage renderGrid(const GridFigure& f) {
    if (!validateGrid(f) || !haveGuiApplication()) return {};
    const GridPainter painter(f);
    return renderImage(describeGrid(f, painter));
}

} // namespace sinkscope

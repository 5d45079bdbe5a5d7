// Attention over a picture (figures/image_overlay.h): checks of every field, the tint blended over
// the picture at the given opacity, frames on marked patches, bare picture where a patch has no
// value, the printed size, and the three formats.
#include "figures/colormap.h"
#include "figures/figure_image.h"
#include "figures/image_overlay.h"
#include "figures/image_overlay_painter.h"

#include "temp_dir.h"

#include <gtest/gtest.h>

#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

namespace sinkscope {
namespace {

using test::readBytes;
using test::TempDir;

using Colour = std::array<int, 3>;

// A 28x28 picture in four flat quadrants (one per patch of a 2x2 grid): patch 1 holds the largest
// value, patch 2 none, patch 3 is marked.
const std::array<Colour, 4> kQuadrant = {{{200, 40, 40}, {40, 200, 40}, {40, 40, 200}, {128, 128, 128}}};

ImageOverlayFigure quadrants() {
    ImageOverlayFigure f;
    f.width = f.height = 28;
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) {
            const Colour& c = kQuadrant[static_cast<std::size_t>((y / 14) * 2 + x / 14)];
            for (int k : c)
                f.rgb.push_back(static_cast<std::uint8_t>(k));
        }
    f.gridRows = f.gridCols = 2;
    f.values = {0.1f, 0.8f, NAN, 0.3f};
    f.markedPatches = {3};
    f.title = "llava · layer 12 · head 3 · query 'cat'";
    f.dpi = 100;
    return f;
}

Colour pixel(const QImage& img, QPointF pt) {
    const QRgb p = img.pixel(static_cast<int>(pt.x()), static_cast<int>(pt.y()));
    return {qRed(p), qGreen(p), qBlue(p)};
}

// What the tint over a picture pixel should look like: alpha compositing at `opacity`.
Colour blend(Rgb tint, const Colour& under, double opacity) {
    return {static_cast<int>(std::lround(opacity * tint.r + (1 - opacity) * under[0])),
            static_cast<int>(std::lround(opacity * tint.g + (1 - opacity) * under[1])),
            static_cast<int>(std::lround(opacity * tint.b + (1 - opacity) * under[2]))};
}

void expectNear(const Colour& got, const Colour& want, int tolerance, const std::string& what) {
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_LE(std::abs(got[i] - want[i]), tolerance)
            << what << ": got (" << got[0] << ", " << got[1] << ", " << got[2] << "), want (" << want[0]
            << ", " << want[1] << ", " << want[2] << ")";
}

// Patch `index` of the picture in PNG pixels.
QRectF patchPixels(const ImageOverlayFigure& f, int index) {
    const ImageOverlayPainter painter(f);
    const double s = f.dpi / 72.0;
    const QRectF cell = painter.layers().patchRect(painter.pictureRect(), index);
    return {cell.left() * s, cell.top() * s, cell.width() * s, cell.height() * s};
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1))
        ++n;
    return n;
}

TEST(ImageOverlay, ValidationNamesEachBadField) {
    ASSERT_TRUE(validateImageOverlay(quadrants()).ok());
    const std::vector<std::pair<std::function<void(ImageOverlayFigure&)>, std::string>> cases = {
        {[](auto& f) { f.width = 0; }, "width and height of 1..16384 pixels (got 0x28)"},
        {[](auto& f) { f.rgb.pop_back(); }, "picture of 28x28 pixels needs 2352 RGB bytes"},
        {[](auto& f) { f.gridRows = 0; }, "gridRows > 0 and gridCols > 0 (got 0x2)"},
        {[](auto& f) { f.gridCols = -3; }, "(got 2x-3)"},
        {[](auto& f) {
             f.gridRows = 29;
             f.values.assign(29 * 2, 0.0f);
         },
         "patch grid of 29x2 is larger than the picture of 28x28 pixels"},
        {[](auto& f) { f.values.pop_back(); }, "has 4 patches but 3 values"},
        {[](auto& f) { f.markedPatches = {4}; }, "marked patch 4 is outside the 2x2 grid (patches 0..3)"},
        {[](auto& f) {
             f.markedPatches = {0, -1};
         },
         "marked patch -1"},
        {[](auto& f) { f.opacity = 1.5; }, "opacity must be within 0..1 (got 1.5)"},
        {[](auto& f) { f.opacity = -0.1; }, "opacity must be within 0..1 (got -0.1)"},
        {[](auto& f) { f.opacity = NAN; }, "opacity must be within 0..1 (got nan)"},
        {[](auto& f) { f.dpi = 5; }, "dpi must be within 10..2400 (got 5)"},
        {[](auto& f) {
             f.scale = MapScale::Log;
             f.vmin = 0.0;
         },
         "vmin must be > 0 with the log scale"},
        {[](auto& f) {
             f.vmin = 0.5;
             f.vmax = 0.5;
         },
         "vmin must be below vmax (got 0.5 and 0.5)"},
        {[](auto& f) { f.vmax = INFINITY; }, "vmax must be a finite number"},
    };
    for (const auto& [mutate, message] : cases) {
        ImageOverlayFigure f = quadrants();
        mutate(f);
        const Status s = validateImageOverlay(f);
        ASSERT_FALSE(s.ok()) << message;
        EXPECT_NE(s.error().message.find(message), std::string::npos)
            << "got: " << s.error().message << "\nwant: " << message;
        EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << "one line: " << s.error().message;
        EXPECT_TRUE(renderImageOverlay(f).isNull()) << message;
    }
}

TEST(ImageOverlay, BadFiguresAndPathsAreRefusedWithThePath) {
    TempDir dir;
    ImageOverlayFigure bad = quadrants();
    bad.opacity = 2.0;
    const std::string path = dir.path("bad.png");
    const Status s = writeImageOverlay(bad, path);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find(path + ": opacity"), std::string::npos) << s.error().message;
    EXPECT_FALSE(std::filesystem::exists(path));

    const std::string unknown = dir.path("overlay.bmpx");
    const Status s2 = writeImageOverlay(quadrants(), unknown);
    ASSERT_FALSE(s2.ok());
    EXPECT_NE(s2.error().message.find(unknown), std::string::npos) << s2.error().message;
    EXPECT_NE(s2.error().message.find("unknown figure format \".bmpx\""), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(unknown));

    const std::string unwritable = dir.path("no/such/dir/overlay.svg");
    const Status s3 = writeImageOverlay(quadrants(), unwritable);
    ASSERT_FALSE(s3.ok());
    EXPECT_NE(s3.error().message.find(unwritable), std::string::npos) << s3.error().message;
}

TEST(ImageOverlay, PngBlendsTheTintOverThePictureAndFramesMarkedPatches) {
    TempDir dir;
    const ImageOverlayFigure f = quadrants();
    const std::string path = dir.path("overlay.png");
    const Status s = writeImageOverlay(f, path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    const QImage png(QString::fromStdString(path));
    ASSERT_FALSE(png.isNull());
    EXPECT_EQ(png.size(), renderImageOverlay(f).size());
    EXPECT_NEAR(png.dotsPerMeterX() * 0.0254, 100.0, 0.5);

    // About kImageOverlaySide points: a 28-pixel picture is enlarged by a whole factor.
    const ImageOverlayPainter painter(f);
    EXPECT_NEAR(painter.pictureRect().width(), kImageOverlaySide, kImageOverlaySide * 0.1);
    const double pictureInPixels = painter.pictureRect().width() * f.dpi / 72.0;
    EXPECT_NEAR(pictureInPixels / 28.0, std::round(pictureInPixels / 28.0), 1e-6);
    EXPECT_GT(png.width(), pictureInPixels);
    EXPECT_LT(png.width(), pictureInPixels * 2.0);

    // Largest value: the colormap's top colour at 60 % over the picture.
    const Rgb top = colormapRgb(Colormap::Magma, 1.0);
    expectNear(pixel(png, patchPixels(f, 1).center()), blend(top, kQuadrant[1], 0.6), 3, "max patch");
    // 0.1 on a 0..0.8 range (linear ranges of non-negative data start at 0).
    expectNear(pixel(png, patchPixels(f, 0).center()),
               blend(colormapRgb(Colormap::Magma, 0.1 / 0.8), kQuadrant[0], 0.6), 4, "patch 0");
    // No value: the bare picture.
    expectNear(pixel(png, patchPixels(f, 2).center()), kQuadrant[2], 2, "patch without a value");

    // The marked patch's frame runs along its edge; an unmarked patch's edge is plain tint.
    const QRectF marked = patchPixels(f, 3);
    const Colour frame = {ImageOverlayLayers::kFrameColour.red(), ImageOverlayLayers::kFrameColour.green(),
                          ImageOverlayLayers::kFrameColour.blue()};
    expectNear(pixel(png, QPointF(marked.center().x(), marked.top())), frame, 30, "frame, top edge");
    expectNear(pixel(png, QPointF(marked.left(), marked.center().y())), frame, 30, "frame, left edge");
    const QRectF plain = patchPixels(f, 0);
    const Colour unframed = pixel(png, QPointF(plain.center().x(), plain.bottom() - 1));
    EXPECT_GT(std::abs(unframed[0] - frame[0]) + std::abs(unframed[1] - frame[1]), 150)
        << "unmarked patch 0 has no frame";
    EXPECT_GT(painter.legendRect().width(), 0.0);
    EXPECT_GT(painter.legendRect().top(), painter.pictureRect().bottom());

    ImageOverlayFigure none = f;
    none.markedPatches.clear();
    EXPECT_EQ(ImageOverlayPainter(none).legendRect().width(), 0.0) << "no legend without marks";
}

TEST(ImageOverlay, OpacityZeroShowsThePictureAndOneTheColours) {
    ImageOverlayFigure f = quadrants();
    f.markedPatches.clear();
    for (double opacity : {0.0, 1.0}) {
        f.opacity = opacity;
        const QImage img = renderImageOverlay(f);
        ASSERT_FALSE(img.isNull());
        expectNear(pixel(img, patchPixels(f, 1).center()),
                   blend(colormapRgb(Colormap::Magma, 1.0), kQuadrant[1], opacity), 2,
                   "opacity " + std::to_string(opacity));
    }
}

TEST(ImageOverlay, TinyPicturesStayCrispAndLargeOnesShrinkToTheFigure) {
    ImageOverlayFigure f;
    f.width = f.height = 2; // a checkerboard
    f.rgb = {0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0};
    f.gridRows = f.gridCols = 1;
    f.values = {NAN};
    const QImage img = renderImageOverlay(f);
    ASSERT_FALSE(img.isNull());
    const ImageOverlayPainter painter(f);
    const double s = f.dpi / 72.0;
    const QRectF pic(painter.pictureRect().topLeft() * s, painter.pictureRect().size() * s);
    int blurred = 0;
    const int y = static_cast<int>(pic.top() + pic.height() / 4);
    for (int x = static_cast<int>(pic.left()) + 2; x < static_cast<int>(pic.right()) - 2; ++x) {
        const int v = qGray(img.pixel(x, y));
        if (v > 10 && v < 245) ++blurred;
    }
    EXPECT_LE(blurred, 1) << "nearest-neighbour enlargement keeps the two pixels apart";
    EXPECT_EQ(qGray(img.pixel(static_cast<int>(pic.left() + pic.width() / 4), y)), 0);
    EXPECT_EQ(qGray(img.pixel(static_cast<int>(pic.right() - pic.width() / 4), y)), 255);

    ImageOverlayFigure wide;
    wide.width = 1200;
    wide.height = 600;
    wide.rgb.assign(1200u * 600u * 3u, 90);
    wide.gridRows = 2;
    wide.gridCols = 4;
    wide.values.assign(8, 0.5f);
    const ImageOverlayPainter big(wide);
    EXPECT_NEAR(big.pictureRect().width(), kImageOverlaySide, 1.0);
    EXPECT_NEAR(big.pictureRect().height(), kImageOverlaySide / 2.0, 1.0);
}

TEST(ImageOverlay, SvgAndPdfEmbedThePictureAndKeepTextAsText) {
    TempDir dir;
    const ImageOverlayFigure f = quadrants();
    for (const char* name : {"overlay.svg", "overlay.pdf", "OVERLAY.SVG"}) {
        const Status s = writeImageOverlay(f, dir.path(name));
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_GT(std::filesystem::file_size(dir.path(name)), 1000u) << name;
    }
    const std::string svg = readBytes(dir.path("overlay.svg"));
    EXPECT_GE(count(svg, "<image"), 1u);
    EXPECT_LE(count(svg, "<image"), 2u) << "the picture once, the tint once";
    EXPECT_NE(svg.find("<text"), std::string::npos);
    EXPECT_NE(svg.find(">llava · layer 12 · head 3 · query 'cat'<"), std::string::npos);
    EXPECT_NE(svg.find(">visual sink token<"), std::string::npos);
    EXPECT_NE(svg.find(">attention weight<"), std::string::npos);

    const std::string pdf = readBytes(dir.path("overlay.pdf"));
    EXPECT_EQ(pdf.rfind("%PDF", 0), 0u);
    EXPECT_EQ(pdf.find("/DCTDecode"), std::string::npos) << "no JPEG artefacts on the picture";

    // Drawn back by Qt's SVG renderer, it looks like the PNG (compared at a quarter of the size:
    // glyph edges differ between the two text renderers).
    const QImage png = renderImageOverlay(f);
    QSvgRenderer back(QString::fromStdString(dir.path("overlay.svg")));
    ASSERT_TRUE(back.isValid());
    QImage drawn(png.size(), QImage::Format_RGB32);
    drawn.fill(Qt::white);
    QPainter p(&drawn);
    back.render(&p);
    p.end();
    const auto small = [](const QImage& img) {
        return img.scaled(img.width() / 4, img.height() / 4, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    };
    const QImage a = small(drawn), b = small(png);
    double sum = 0.0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const QRgb u = a.pixel(x, y), v = b.pixel(x, y);
            sum +=
                std::abs(qRed(u) - qRed(v)) + std::abs(qGreen(u) - qGreen(v)) + std::abs(qBlue(u) - qBlue(v));
        }
    EXPECT_LT(sum / (3.0 * a.width() * a.height()), 4.0);
}

TEST(ImageOverlay, EveryScaleAndColormapWrites) {
    TempDir dir;
    ImageOverlayFigure f = quadrants();
    f.values = {0.001f, 0.5f, NAN, 0.0f}; // 0 on a log scale takes the lowest colour
    for (MapScale scale : {MapScale::Linear, MapScale::Log, MapScale::RowNormalized})
        for (Colormap c : {Colormap::Viridis, Colormap::Magma, Colormap::Grey, Colormap::Diverging}) {
            f.scale = scale;
            f.colormap = c;
            const std::string path =
                dir.path(std::string("o-") + mapScaleName(scale) + "-" + colormapName(c) + ".png");
            const Status s = writeImageOverlay(f, path);
            EXPECT_TRUE(s.ok()) << path << ": " << (s.ok() ? "" : s.error().message);
        }
    f.scale = MapScale::RowNormalized;
    EXPECT_EQ(ImageOverlayLayers(f).colorbarLabel(), QString("attention weight (÷ max)"));
    f.scale = MapScale::Log;
    const ImageOverlayLayers log(f);
    EXPECT_TRUE(log.range().log);
    EXPECT_NEAR(log.range().hi, std::log10(0.5), 1e-6);
}

// Writes the figure of a 336-pixel picture with a 24x24 grid to $SINKSCOPE_FIGURE_SAMPLE (when
// set), for a look by eye; otherwise only checks that it renders.
TEST(ImageOverlay, LlavaSizedPictureRenders) {
    ImageOverlayFigure f;
    f.width = f.height = 336;
    for (int y = 0; y < 336; ++y)
        for (int x = 0; x < 336; ++x) {
            const bool disc = (x - 200) * (x - 200) + (y - 140) * (y - 140) < 60 * 60;
            f.rgb.push_back(static_cast<std::uint8_t>(disc ? 230 : x * 255 / 335));
            f.rgb.push_back(static_cast<std::uint8_t>(disc ? 200 : y * 255 / 335));
            f.rgb.push_back(static_cast<std::uint8_t>(disc ? 40 : 160));
        }
    f.gridRows = f.gridCols = 24;
    for (int r = 0; r < 24; ++r)
        for (int c = 0; c < 24; ++c)
            f.values.push_back(static_cast<float>(
                std::exp(-((c - 14.3) * (c - 14.3) + (r - 10.0) * (r - 10.0)) / 18.0) * 0.02));
    f.values[0] = 0.05f; // two visual sink tokens
    f.values[24 * 5 + 20] = 0.04f;
    f.values[24 * 23 + 23] = NAN;
    f.markedPatches = {0, 24 * 5 + 20};
    f.title = "llava-1.5 · layer 16 · head 7 · query 'dog'";
    ASSERT_TRUE(validateImageOverlay(f).ok());
    const QImage img = renderImageOverlay(f);
    ASSERT_FALSE(img.isNull());
    if (const char* out = std::getenv("SINKSCOPE_FIGURE_SAMPLE")) {
        const Status s = writeImageOverlay(f, out);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    }
}

} // namespace
} // namespace sinkscope

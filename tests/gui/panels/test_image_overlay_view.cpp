// The attention-over-picture view: the mouse maps to the right patch (hover readout, click) wherever
// the picture lands after letterboxing, nothing is emitted outside the picture, the view paints the
// same blend as the exported figure, and without a picture it says so.
#include "figures/colormap.h"
#include "gui_test_registry.h"
#include "views/image_overlay_view.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using sinkscope::ImageOverlayView;

namespace {

// A flat picture of `side` pixels in four quadrants of distinct colours.
const QColor kQuadrant[4] = {QColor(200, 40, 40), QColor(40, 200, 40), QColor(40, 40, 200),
                             QColor(128, 128, 128)};

QImage quadrants(int side) {
    QImage img(side, side, QImage::Format_RGB32);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            img.setPixelColor(x, y, kQuadrant[(y * 2 / side) * 2 + x * 2 / side]);
    return img;
}

// A LLaVA-sized picture: a colour gradient with a disc and a bar, to look at.
QImage synthetic336() {
    QImage img(336, 336, QImage::Format_RGB32);
    for (int y = 0; y < 336; ++y)
        for (int x = 0; x < 336; ++x) {
            const bool disc = (x - 200) * (x - 200) + (y - 140) * (y - 140) < 60 * 60;
            const bool bar = x > 40 && x < 120 && y > 220 && y < 300;
            img.setPixelColor(x, y,
                              disc  ? QColor(230, 200, 40)
                              : bar ? QColor(30, 30, 30)
                                    : QColor(x * 255 / 335, y * 255 / 335, 160));
        }
    return img;
}

// A mouse move delivered at once: QTest::mouseMove goes through the X server's cursor, whose
// events may arrive after the check.
void hover(QWidget* w, QPoint pos) {
    QMouseEvent e(QEvent::MouseMove, QPointF(pos), QPointF(w->mapToGlobal(pos)), Qt::NoButton, Qt::NoButton,
                  Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

QPoint at(const QRectF& r, double fx, double fy) {
    return QPointF(r.left() + r.width() * fx, r.top() + r.height() * fy).toPoint();
}

} // namespace

class ImageOverlayViewTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { sinkscope::test::isolateSettings(); }

    void emptyStateSaysSoAndEmitsNothing() {
        ImageOverlayView view;
        view.resize(400, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(!view.hasPicture());
        QVERIFY(view.pictureRect().isEmpty());
        QVERIFY(!view.emptyText().isEmpty());
        // The text is drawn: the middle of the view is not all background.
        const QImage shot = view.grab().toImage();
        const QRgb base = view.palette().base().color().rgb();
        int ink = 0;
        for (int y = 130; y < 170; ++y)
            for (int x = 100; x < 300; ++x)
                ink += shot.pixel(x, y) != base;
        QVERIFY2(ink > 20, qPrintable(QString("%1 text pixels").arg(ink)));

        QSignalSpy hovered(&view, &ImageOverlayView::patchHovered);
        QSignalSpy clicked(&view, &ImageOverlayView::patchClicked);
        view.setGrid(2, 2, {0.1f, 0.2f, 0.3f, 0.4f}); // a grid without a picture is still empty
        QVERIFY(!view.hasPicture());
        hover(&view, QPoint(200, 150));
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(200, 150));
        QCOMPARE(hovered.count(), 0);
        QCOMPARE(clicked.count(), 0);
        QCOMPARE(view.patchAt(QPointF(200, 150)), -1);

        view.setPicture(quadrants(28));
        QVERIFY(view.hasPicture());
        view.setPicture(QImage()); // cleared again
        QVERIFY(!view.hasPicture());
    }

    void mouseMapsToPatchesInALetterboxedPicture() {
        ImageOverlayView view;
        view.resize(640, 300); // wide: bars left and right of the square picture
        view.setPicture(quadrants(28));
        view.setGrid(2, 2, {0.1f, 0.8f, NAN, 0.3f});
        view.setMarkedPatches({3});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QRectF pic = view.pictureRect();
        QVERIFY(!pic.isEmpty());
        QVERIFY(std::abs(pic.width() - pic.height()) <= 1.0); // aspect kept
        QVERIFY(pic.left() > 40);                             // letterboxed
        QVERIFY(pic.height() >= 240);                         // as large as the height allows
        QVERIFY(!view.colourBarRect().isEmpty());
        QVERIFY(view.colourBarRect().left() >= pic.right());

        QSignalSpy patch(&view, &ImageOverlayView::patchHovered);
        QSignalSpy readout(&view, &ImageOverlayView::hovered);
        QSignalSpy clicked(&view, &ImageOverlayView::patchClicked);
        struct Probe {
            double fx, fy;
            int index;
        };
        const Probe probes[] = {{0.25, 0.25, 0}, {0.75, 0.25, 1}, {0.25, 0.75, 2},
                                {0.75, 0.75, 3}, {0.01, 0.01, 0}, {0.99, 0.99, 3}};
        for (const Probe& p : probes) {
            hover(&view, at(pic, p.fx, p.fy));
            QCOMPARE(patch.last().at(0).toInt(), p.index);
            QCOMPARE(view.patchAt(at(pic, p.fx, p.fy)), p.index);
            QTest::mouseClick(&view, Qt::LeftButton, {}, at(pic, p.fx, p.fy));
            QVERIFY(!clicked.isEmpty());
            QCOMPARE(clicked.takeLast().at(0).toInt(), p.index);
        }
        // One hover signal per change of patch, with the readout.
        QCOMPARE(patch.count(), 6);
        QCOMPARE(readout.count(), 6);
        const QString last = readout.last().at(0).toString();
        QVERIFY2(last.contains("row 1, col 1 (#3)") && last.contains("0.3") &&
                     last.contains("visual sink token"),
                 qPrintable(last));
        QVERIFY2(view.readout(1).contains("attention weight = 0.8"), qPrintable(view.readout(1)));
        QVERIFY2(view.readout(2).contains("no value"), qPrintable(view.readout(2)));

        // Outside the picture (the letterbox bars, the colour bar): nothing clicked, hover cleared.
        clicked.clear();
        hover(&view, QPoint(static_cast<int>(pic.left()) - 10, static_cast<int>(pic.center().y())));
        QCOMPARE(patch.last().at(0).toInt(), -1);
        QVERIFY(readout.last().at(0).toString().isEmpty());
        QTest::mouseClick(&view, Qt::LeftButton, {},
                          QPoint(static_cast<int>(pic.left()) - 10, static_cast<int>(pic.center().y())));
        QTest::mouseClick(&view, Qt::LeftButton, {}, view.colourBarRect().center().toPoint());
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(2, 2));
        QCOMPARE(clicked.count(), 0);

        // Tall after a resize: bars above and below, a 24x24 grid, the mapping follows.
        view.setGrid(24, 24, std::vector<float>(576, 0.01f));
        view.resize(300, 640);
        QTRY_VERIFY(view.pictureRect().top() > 100);
        pic = view.pictureRect();
        QVERIFY(std::abs(pic.width() - pic.height()) <= 1.0);
        QVERIFY(pic.bottom() < 540);
        struct Cell {
            int r, c;
        };
        for (const Cell& cell :
             {Cell{0, 0}, Cell{0, 23}, Cell{5, 7}, Cell{23, 0}, Cell{12, 12}, Cell{23, 23}}) {
            const QPoint pos = at(pic, (cell.c + 0.5) / 24.0, (cell.r + 0.5) / 24.0);
            hover(&view, pos);
            QCOMPARE(patch.last().at(0).toInt(), cell.r * 24 + cell.c);
            QTest::mouseClick(&view, Qt::LeftButton, {}, pos);
            QCOMPARE(clicked.takeLast().at(0).toInt(), cell.r * 24 + cell.c);
        }
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(static_cast<int>(pic.center().x()), 20));
        QCOMPARE(clicked.count(), 0);
        QCOMPARE(view.patchAt(QPointF(pic.center().x(), pic.top() - 2)), -1);
        QCOMPARE(view.patchAt(QPointF(pic.center().x(), pic.bottom() + 2)), -1);
    }

    void paintsTheFiguresBlend() {
        ImageOverlayView view;
        view.resize(500, 400);
        view.setPicture(quadrants(28));
        view.setGrid(2, 2, {0.1f, 0.8f, NAN, 0.3f});
        view.setOpacity(0.5);
        view.setColormap(sinkscope::Colormap::Viridis);
        QCOMPARE(view.figure().opacity, 0.5);
        QCOMPARE(view.figure().colormap, sinkscope::Colormap::Viridis);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QImage shot = view.grab().toImage();
        const auto pixelAt = [&](int index) {
            return shot.pixelColor(view.patchRect(index).center().toPoint());
        };
        const sinkscope::Rgb top = sinkscope::colormapRgb(sinkscope::Colormap::Viridis, 1.0);
        const QColor max = pixelAt(1), bare = pixelAt(2);
        QVERIFY2(std::abs(max.red() - (top.r + 40) / 2) <= 3 &&
                     std::abs(max.green() - (top.g + 200) / 2) <= 3 &&
                     std::abs(max.blue() - (top.b + 40) / 2) <= 3,
                 qPrintable(max.name()));
        QVERIFY2(std::abs(bare.red() - kQuadrant[2].red()) <= 1 &&
                     std::abs(bare.green() - kQuadrant[2].green()) <= 1 &&
                     std::abs(bare.blue() - kQuadrant[2].blue()) <= 1,
                 qPrintable(bare.name())); // no value: the bare picture

        // A grid that does not fit its values is left out: no tint, no patches, no colour bar.
        view.setGrid(2, 2, {0.1f});
        QVERIFY(view.colourBarRect().isEmpty());
        QCOMPARE(view.patchAt(view.pictureRect().center()), -1);
    }

    void rgbBufferAndScreenshot() {
        ImageOverlayView view;
        const QImage pic = synthetic336().convertToFormat(QImage::Format_RGB888);
        std::vector<std::uint8_t> rgb;
        for (int y = 0; y < pic.height(); ++y)
            rgb.insert(rgb.end(), pic.constScanLine(y), pic.constScanLine(y) + pic.width() * 3);
        view.setPicture(pic.width(), pic.height(), std::move(rgb));
        QVERIFY(view.hasPicture());
        std::vector<float> values;
        for (int r = 0; r < 24; ++r)
            for (int c = 0; c < 24; ++c)
                values.push_back(static_cast<float>(
                    std::exp(-((c - 14.3) * (c - 14.3) + (r - 10.0) * (r - 10.0)) / 18.0) * 0.02));
        values[0] = 0.05f;
        values[5 * 24 + 20] = 0.04f;
        view.setGrid(24, 24, std::move(values));
        view.setMarkedPatches({0, 5 * 24 + 20});
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy hovered(&view, &ImageOverlayView::patchHovered);
        hover(&view, view.patchRect(10 * 24 + 14).center().toPoint());
        QCOMPARE(hovered.count(), 1);
        QCOMPARE(hovered.last().at(0).toInt(), 10 * 24 + 14);
        QCOMPARE(view.patchAt(view.patchRect(10 * 24 + 14).center()), 10 * 24 + 14);
        QVERIFY(view.pictureRect().height() >= 500);
        if (const QString shots = sinkscope::test::screenshotDir(); !shots.isEmpty())
            view.grab().save(shots + "/image_overlay_view.png");
    }
};

SINKSCOPE_GUI_TEST(ImageOverlayViewTest)
#include "test_image_overlay_view.moc"

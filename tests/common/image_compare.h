#pragma once
// Golden-image comparison with a tolerance, shared by the figure and view screenshot tests.
//
// A pixel differs when any channel is off by more than `channelTolerance` of 255; a test then
// allows a small fraction of differing pixels. That absorbs anti-aliasing changes along glyph
// edges between FreeType/Qt/Mesa versions, while a moved label, a changed colour table or a
// resized layout fails (those change far more pixels, or the size, which must match exactly).
// Refresh goldens after an intended change with SINKSCOPE_UPDATE_GOLDEN=1, look at them, commit.
#include <QImage>
#include <QString>

#include <cstdlib>
#include <string>

namespace sinkscope::test {

struct ImageDiff {
    bool sameSize = false;
    long differing = 0;
    double fraction = 1.0; // of all pixels
};

inline ImageDiff compareImages(const QImage& actualIn, const QImage& goldenIn, int channelTolerance) {
    const QImage actual = actualIn.convertToFormat(QImage::Format_RGB32);
    const QImage golden = goldenIn.convertToFormat(QImage::Format_RGB32);
    ImageDiff d;
    d.sameSize = actual.size() == golden.size() && !actual.isNull();
    if (!d.sameSize) return d;
    for (int y = 0; y < actual.height(); ++y) {
        const auto* a = reinterpret_cast<const QRgb*>(actual.constScanLine(y));
        const auto* g = reinterpret_cast<const QRgb*>(golden.constScanLine(y));
        for (int x = 0; x < actual.width(); ++x) {
            const bool off = std::abs(qRed(a[x]) - qRed(g[x])) > channelTolerance ||
                             std::abs(qGreen(a[x]) - qGreen(g[x])) > channelTolerance ||
                             std::abs(qBlue(a[x]) - qBlue(g[x])) > channelTolerance;
            d.differing += off ? 1 : 0;
        }
    }
    d.fraction = static_cast<double>(d.differing) / (static_cast<double>(actual.width()) * actual.height());
    return d;
}

inline bool updatingGolden() {
    const char* v = std::getenv("SINKSCOPE_UPDATE_GOLDEN");
    return v != nullptr && std::string(v) == "1";
}

} // namespace sinkscope::test

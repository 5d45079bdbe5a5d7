#include "figures/figure_style.h"

#include <QImage>

namespace sinkscope::figure_style {

namespace {
constexpr int kPointDotsPerMeter = 2835; // 72 dpi: 72 / 0.0254 m, rounded as Qt rounds it back
} // namespace

QFont font(double pointSize, bool bold) {
    QFont f(QString::fromLatin1(kFontFamily));
    f.setPointSizeF(pointSize);
    f.setBold(bold);
    f.setHintingPreference(QFont::PreferNoHinting);
    f.setKerning(true);
    return f;
}

void setPointResolution(QImage& image) {
    image.setDotsPerMeterX(kPointDotsPerMeter);
    image.setDotsPerMeterY(kPointDotsPerMeter);
}

QFontMetricsF metrics(const QFont& f) {
    static const QImage device = [] {
        QImage img(1, 1, QImage::Format_ARGB32_Premultiplied);
        setPointResolution(img);
        return img;
    }();
    return QFontMetricsF(f, &device);
}

} // namespace sinkscope::figure_style

#pragma once
// Fonts, sizes and colours shared by the figure painters. All geometry is in points; painters draw
// on devices whose logical resolution is 72 dpi, so one unit = one point everywhere (PNG scales
// the painter by dpi / 72).
#include <QColor>
#include <QFont>
#include <QFontMetricsF>
#include <QImage>
#include <QString>

#include <string>

namespace sinkscope::figure_style {

// DejaVu Sans ships in fonts-dejavu-core on Debian (scripts/setup.sh): a fixed family keeps golden
// images identical across machines and covers the arrows, subscripts and U+FFFD labels need.
inline constexpr const char* kFontFamily = "DejaVu Sans";

inline constexpr double kTitlePt = 11.0;
inline constexpr double kAxisPt = 9.0;
inline constexpr double kTokenPt = 7.5;
inline constexpr double kTickPt = 7.5;
inline constexpr double kSmallPt = 6.5;

inline constexpr double kPad = 10.0;       // figure margin
inline constexpr double kTickLen = 2.5;    // tick marks outside the map frame
inline constexpr double kFrameWidth = 0.6; // map and colorbar frames

inline const QColor kText{34, 34, 34};
inline const QColor kFrame{60, 60, 60};
inline const QColor kMarked{220, 60, 20}; // highlighted grid cells; not in viridis, unlike most hues
inline const QColor kBackground{255, 255, 255};

// The figure font at a size in points; unhinted so measured advances match the drawn ones at
// every dpi.
QFont font(double pointSize, bool bold = false);

// Metrics measured on a 72-dpi device, i.e. in points, whatever screen the application has.
QFontMetricsF metrics(const QFont& font);

// A 72-dpi image for metrics and for painting in points: QImage's default dpi follows the screen.
void setPointResolution(QImage& image);

inline QString qstr(const std::string& s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

} // namespace sinkscope::figure_style

// The algorithm of Pillow 9.4's ImagingResample (src/libImaging/Resample.c) for 8-bit images,
// written anew from its description:
// - precompute_coeffs: for each output pixel, the filter (support 2 for bicubic) is centred at
//   (x + 0.5) * scale in input coordinates and, when shrinking, stretched by the scale factor
//   (which is what makes the resize antialiased); the taps are the input pixels whose centres fall
//   within the support, the weights are normalised to sum to one;
// - normalize_coeffs_8bpc: weights become fixed point with 22 fractional bits (PRECISION_BITS =
//   32 - 8 - 2), rounded half away from zero;
// - ImagingResampleHorizontal/Vertical_8bpc: each pass starts from half a unit (rounding), sums
//   sample * weight, and clips (clip8) back to 0..255 before the next pass;
// - ImagingResampleInner: the horizontal pass first, over only the rows the vertical pass will
//   read, then the vertical pass; a pass whose size does not change is skipped.
#include "vision/image_resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace sinkscope {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kBicubicSupport = 2.0;

// Keys' cubic convolution kernel with a = -0.5 (Resample.c's bicubic_filter), evaluated in the
// same order so that the weights round identically.
double bicubic(double x) {
    constexpr double a = -0.5;
    x = std::abs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

// The taps of one axis: output pixel i reads count[i] input pixels from first[i], with the
// fixed-point weights at weights[i * stride ...].
struct Taps {
    int stride = 0;
    std::vector<int> first, count;
    std::vector<std::int32_t> weights;
};

Taps tapsFor(int inSize, int outSize) {
    // The box is the whole image: in0 = 0, in1 = inSize (floats in Pillow, exact here).
    const double scale = static_cast<double>(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0);
    const double support = kBicubicSupport * filterScale;
    Taps t;
    t.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
    t.first.resize(static_cast<std::size_t>(outSize));
    t.count.resize(static_cast<std::size_t>(outSize));
    t.weights.assign(static_cast<std::size_t>(outSize) * static_cast<std::size_t>(t.stride), 0);
    std::vector<double> w(static_cast<std::size_t>(t.stride));
    for (int i = 0; i < outSize; ++i) {
        const double center = (i + 0.5) * scale;
        // Truncation toward zero after adding 0.5, as Pillow rounds the bounds.
        const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
        const int hi = std::min(static_cast<int>(center + support + 0.5), inSize);
        const int n = hi - lo;
        double sum = 0.0;
        for (int k = 0; k < n; ++k) {
            w[static_cast<std::size_t>(k)] = bicubic((k + lo - center + 0.5) * (1.0 / filterScale));
            sum += w[static_cast<std::size_t>(k)];
        }
        std::int32_t* out = &t.weights[static_cast<std::size_t>(i) * static_cast<std::size_t>(t.stride)];
        for (int k = 0; k < n; ++k) {
            const double v =
                sum != 0.0 ? w[static_cast<std::size_t>(k)] / sum : w[static_cast<std::size_t>(k)];
            const double fixed = v * (1 << kPrecisionBits);
            out[k] = static_cast<std::int32_t>(v < 0 ? fixed - 0.5 : fixed + 0.5);
        }
        t.first[static_cast<std::size_t>(i)] = lo;
        t.count[static_cast<std::size_t>(i)] = n;
    }
    return t;
}

// Resample.c's clip8: the accumulated sum back to a byte.
std::uint8_t clip8(std::int64_t sum) {
    return static_cast<std::uint8_t>(std::clamp<std::int64_t>(sum >> kPrecisionBits, 0, 255));
}

constexpr std::int64_t kHalf = std::int64_t{1} << (kPrecisionBits - 1);

// Rows [rowFirst, rowFirst + rows) of `in`, resampled horizontally to t.first.size() columns.
RgbImage horizontal(const RgbImage& in, const Taps& t, int rowFirst, int rows) {
    RgbImage out;
    out.width = static_cast<int>(t.first.size());
    out.height = rows;
    out.rgb.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(rows) * 3);
    for (int y = 0; y < rows; ++y) {
        const std::uint8_t* src = &in.rgb[static_cast<std::size_t>(y + rowFirst) * in.width * 3];
        std::uint8_t* dst = &out.rgb[static_cast<std::size_t>(y) * out.width * 3];
        for (int x = 0; x < out.width; ++x) {
            const std::int32_t* k = &t.weights[static_cast<std::size_t>(x) * t.stride];
            const int lo = t.first[static_cast<std::size_t>(x)];
            for (int c = 0; c < 3; ++c) {
                std::int64_t sum = kHalf;
                for (int j = 0; j < t.count[static_cast<std::size_t>(x)]; ++j)
                    sum += std::int64_t{src[(lo + j) * 3 + c]} * k[j];
                dst[x * 3 + c] = clip8(sum);
            }
        }
    }
    return out;
}

// `in` resampled vertically; t.first is relative to in's first row.
RgbImage vertical(const RgbImage& in, const Taps& t, int rowOffset) {
    RgbImage out;
    out.width = in.width;
    out.height = static_cast<int>(t.first.size());
    out.rgb.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3);
    const std::size_t rowBytes = static_cast<std::size_t>(in.width) * 3;
    for (int y = 0; y < out.height; ++y) {
        const std::int32_t* k = &t.weights[static_cast<std::size_t>(y) * t.stride];
        const int lo = t.first[static_cast<std::size_t>(y)] - rowOffset;
        std::uint8_t* dst = &out.rgb[static_cast<std::size_t>(y) * rowBytes];
        for (std::size_t i = 0; i < rowBytes; ++i) {
            std::int64_t sum = kHalf;
            for (int j = 0; j < t.count[static_cast<std::size_t>(y)]; ++j)
                sum += std::int64_t{in.rgb[static_cast<std::size_t>(lo + j) * rowBytes + i]} * k[j];
            dst[i] = clip8(sum);
        }
    }
    return out;
}

} // namespace

RgbImage resizeBicubic(const RgbImage& image, int outWidth, int outHeight) {
    const bool needHorizontal = outWidth != image.width;
    const bool needVertical = outHeight != image.height;
    if (!needHorizontal && !needVertical) return image;
    const Taps rowsTaps = tapsFor(image.height, outHeight);
    if (!needHorizontal) return vertical(image, rowsTaps, 0);
    // Only the rows the vertical pass reads are resampled horizontally.
    const int rowFirst = needVertical ? rowsTaps.first.front() : 0;
    const int rowLast = needVertical ? rowsTaps.first.back() + rowsTaps.count.back() : image.height;
    const RgbImage wide = horizontal(image, tapsFor(image.width, outWidth), rowFirst, rowLast - rowFirst);
    if (!needVertical) return wide;
    return vertical(wide, rowsTaps, rowFirst);
}

} // namespace sinkscope

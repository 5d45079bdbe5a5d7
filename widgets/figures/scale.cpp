#include "figures/scale.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

namespace sinkscope {

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}
} // namespace

double ColourRange::position(float transformed) const {
    if (std::isnan(transformed)) return std::numeric_limits<double>::quiet_NaN();
    return std::clamp((static_cast<double>(transformed) - lo) / (hi - lo), 0.0, 1.0);
}

std::vector<float> transformValues(const float* values, std::int64_t rows, std::int64_t cols, MapScale s) {
    std::vector<float> out(static_cast<std::size_t>(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* in = values + r * cols;
        float* o = out.data() + r * cols;
        float rowMax = 0.0f;
        for (std::int64_t c = 0; c < cols; ++c) {
            o[c] = std::isfinite(in[c]) ? in[c] : kNaN;
            if (!std::isnan(o[c])) rowMax = std::max(rowMax, std::abs(o[c]));
        }
        for (std::int64_t c = 0; c < cols; ++c) {
            if (std::isnan(o[c])) continue;
            if (s == MapScale::Log)
                o[c] = o[c] > 0.0f ? std::log10(o[c]) : -std::numeric_limits<float>::infinity();
            else if (s == MapScale::RowNormalized && rowMax > 0.0f)
                o[c] /= rowMax;
        }
    }
    return out;
}

void RangeFinder::add(const std::vector<float>& transformed) {
    for (float v : transformed) {
        if (!std::isfinite(v)) continue; // NaN: not stored; -inf: log of a non-positive value
        m_min = m_any ? std::min(m_min, static_cast<double>(v)) : v;
        m_max = m_any ? std::max(m_max, static_cast<double>(v)) : v;
        m_maxAbs = std::max(m_maxAbs, std::abs(static_cast<double>(v)));
        m_any = true;
    }
}

ColourRange RangeFinder::finish(MapScale s, Colormap c, double vmin, double vmax) const {
    ColourRange r;
    if (s == MapScale::Log) {
        r.log = true;
        r.hi = !std::isnan(vmax) ? std::log10(vmax) : (m_any ? m_max : 0.0);
        r.lo =
            !std::isnan(vmin) ? std::log10(vmin) : (m_any ? std::max(m_min, r.hi - kMaxDecades) : r.hi - 3.0);
        if (!(r.lo < r.hi)) r.lo = r.hi - 1.0; // one value, or vmax below the data
        return r;
    }
    if (c == Colormap::Diverging) {
        const double m = m_maxAbs > 0.0 ? m_maxAbs : 1.0;
        r.lo = !std::isnan(vmin) ? vmin : -(std::isnan(vmax) ? m : std::abs(vmax));
        r.hi = !std::isnan(vmax) ? vmax : (std::isnan(vmin) ? m : std::abs(vmin));
    } else {
        r.lo = !std::isnan(vmin) ? vmin : (m_any ? std::min(m_min, 0.0) : 0.0);
        r.hi = !std::isnan(vmax) ? vmax : (m_any ? m_max : 1.0);
    }
    if (!(r.lo < r.hi)) { // constant data (e.g. all zeros): a unit range keeps ticks sensible
        r.lo = std::min(r.lo, r.hi);
        r.hi = r.lo + (r.lo == 0.0 ? 1.0 : std::abs(r.lo));
    }
    return r;
}

std::vector<float> maxPool(const std::vector<float>& v, std::int64_t rows, std::int64_t cols,
                           std::int64_t outRows, std::int64_t outCols, bool byMagnitude) {
    outRows = std::clamp<std::int64_t>(outRows, 1, rows);
    outCols = std::clamp<std::int64_t>(outCols, 1, cols);
    std::vector<float> out(static_cast<std::size_t>(outRows * outCols), kNaN);
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t orow = r * outRows / rows;
        for (std::int64_t c = 0; c < cols; ++c) {
            const float x = v[static_cast<std::size_t>(r * cols + c)];
            if (std::isnan(x)) continue;
            float& o = out[static_cast<std::size_t>(orow * outCols + c * outCols / cols)];
            if (std::isnan(o) || (byMagnitude ? std::abs(x) > std::abs(o) : x > o)) o = x;
        }
    }
    return out;
}

Result<MapScale> parseMapScale(std::string_view name) {
    const std::string n = lower(name);
    if (n == "linear") return MapScale::Linear;
    if (n == "log") return MapScale::Log;
    if (n == "row" || n == "row-normalized" || n == "rownormalized") return MapScale::RowNormalized;
    return Error{"unknown scale \"" + std::string(name) + "\" (use linear, log or row)"};
}

const char* mapScaleName(MapScale s) {
    switch (s) {
    case MapScale::Linear:
        return "linear";
    case MapScale::Log:
        return "log";
    case MapScale::RowNormalized:
        return "row";
    }
    return "?";
}

void shareColourRange(HeatmapFigure& left, HeatmapFigure& right) {
    // One scale and colormap, or "the same colour" would mean different things on the two sides.
    right.scale = left.scale;
    right.colormap = left.colormap;
    const double vmin = !std::isnan(left.vmin) ? left.vmin : right.vmin;
    const double vmax = !std::isnan(left.vmax) ? left.vmax : right.vmax;
    RangeFinder finder;
    for (const HeatmapFigure* f : {&left, &right})
        if (f->rows * f->cols == static_cast<std::int64_t>(f->values.size()))
            finder.add(transformValues(f->values.data(), f->rows, f->cols, f->scale));
    const ColourRange r = finder.finish(left.scale, left.colormap, vmin, vmax);
    // Back to data units: the figures keep vmin/vmax untransformed.
    left.vmin = right.vmin = r.log ? std::pow(10.0, r.lo) : r.lo;
    left.vmax = right.vmax = r.log ? std::pow(10.0, r.hi) : r.hi;
}

} // namespace sinkscope

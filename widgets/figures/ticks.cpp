#include "figures/ticks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sinkscope {

namespace {

// Smallest step from {1, 2, 2.5, 5} x 10^k giving at most maxTicks ticks across span.
double niceStep(double span, int maxTicks) {
    const double raw = span / std::max(1, maxTicks - 1);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * mag >= raw * (1.0 - 1e-9)) return m * mag;
    return 10.0 * mag;
}

int decimalsFor(double step) {
    int d = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    if (std::abs(step / std::pow(10.0, -d) - std::round(step / std::pow(10.0, -d))) > 1e-6) ++d; // 2.5 steps
    return std::min(d, 8);
}

std::vector<Tick> linearTicks(double lo, double hi, int maxTicks) {
    const double step = niceStep(hi - lo, maxTicks);
    const int decimals = decimalsFor(step);
    std::vector<Tick> ticks;
    const double eps = step * 1e-6;
    for (double k = std::ceil((lo - eps) / step); k * step <= hi + eps; k += 1.0)
        ticks.push_back({std::clamp(k * step, lo, hi), formatNumber(k * step, decimals)});
    return ticks;
}

std::vector<Tick> logTicks(double lo, double hi, int maxTicks) {
    std::vector<Tick> ticks;
    const int first = static_cast<int>(std::ceil(lo - 1e-9));
    const int last = static_cast<int>(std::floor(hi + 1e-9));
    const int decades = last - first + 1;
    if (decades >= 2) {
        const int every = (decades + maxTicks - 1) / std::max(1, maxTicks); // thin long ranges
        for (int k = last; k >= first; k -= every)
            ticks.push_back({static_cast<double>(k), powerOfTen(k)});
        std::reverse(ticks.begin(), ticks.end());
        return ticks;
    }
    // Less than two powers of ten inside: label 1, 2 and 5 x 10^k in plain numbers instead.
    for (int k = first - 1; k <= last; ++k) {
        for (double m : {1.0, 2.0, 5.0}) {
            const double pos = k + std::log10(m);
            if (pos >= lo - 1e-9 && pos <= hi + 1e-9)
                ticks.push_back(
                    {std::clamp(pos, lo, hi), formatNumber(m * std::pow(10.0, k), std::max(0, -k))});
        }
    }
    if (ticks.size() >= 2) return ticks;
    // Within a factor of two: linear ticks in data units, placed at their logarithms.
    ticks.clear();
    for (const Tick& t : linearTicks(std::pow(10.0, lo), std::pow(10.0, hi), maxTicks))
        if (t.value > 0.0) ticks.push_back({std::clamp(std::log10(t.value), lo, hi), t.label});
    return ticks;
}

} // namespace

std::vector<Tick> colourbarTicks(const ColourRange& range, int maxTicks) {
    maxTicks = std::max(2, maxTicks);
    return range.log ? logTicks(range.lo, range.hi, maxTicks) : linearTicks(range.lo, range.hi, maxTicks);
}

std::string formatNumber(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v));
    std::string s = buf;
    const bool zero = s.find_first_not_of("0.") == std::string::npos;
    return (v < 0.0 && !zero) ? "\u2212" + s : s;
}

std::string formatValue(double v) {
    if (std::isnan(v)) return "–";
    const double a = std::abs(v);
    if (a >= 100.0) return formatNumber(v, 0);
    if (a >= 10.0) return formatNumber(v, 1);
    if (a >= 0.01 || a == 0.0) return formatNumber(v, 2);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", v);
    return buf;
}

std::string powerOfTen(int k) {
    static const char* const digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    std::string exp;
    for (int a = std::abs(k); a > 0 || exp.empty(); a /= 10)
        exp.insert(0, digits[a % 10]);
    return "10" + std::string(k < 0 ? "⁻" : "") + exp;
}

} // namespace sinkscope

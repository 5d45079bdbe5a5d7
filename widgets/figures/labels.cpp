#include "figures/labels.h"

#include "core/utf8.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sinkscope {

namespace {

// Code points that draw nothing or move the pen (bidi controls could reorder a whole axis).
bool invisible(char32_t cp) {
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

std::string escape(char32_t cp) {
    switch (cp) {
    case U'\n':
        return "\\n";
    case U'\t':
        return "\\t";
    case U'\r':
        return "\\r";
    default:
        break;
    }
    char buf[16];
    if (cp < 0x80)
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
    else
        std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(cp));
    return buf;
}

} // namespace

std::string displayLabel(std::string_view raw, std::size_t maxChars) {
    const std::string text = sanitizeUtf8(raw);
    std::string out;
    std::size_t chars = 0;
    bool onlySpaces = true;
    std::size_t i = 0;
    while (i < text.size()) {
        if (chars == maxChars) {
            out += "…";
            break;
        }
        const std::size_t start = i;
        const char32_t cp = decodeUtf8(text, i);
        if (cp != U' ') onlySpaces = false;
        if (cp < 0x20 || cp == 0x7f || invisible(cp))
            out += escape(cp);
        else
            out.append(text, start, i - start);
        ++chars;
    }
    if (onlySpaces) { // "" or "   ": nothing would be drawn, and spaces are real tokens
        out.clear();
        for (std::size_t k = 0; k < std::max<std::size_t>(1, std::min(text.size(), maxChars)); ++k)
            out += "␣";
    }
    return out;
}

int labelStride(double pitch, double extent) {
    if (!(pitch > 0.0) || !(extent > pitch)) return 1;
    return static_cast<int>(std::ceil(extent / pitch - 1e-9));
}

std::vector<std::int64_t> thinnedIndices(std::int64_t count, int stride) {
    std::vector<std::int64_t> out;
    stride = std::max(1, stride);
    for (std::int64_t i = 0; i < count; i += stride)
        out.push_back(i);
    return out;
}

} // namespace sinkscope

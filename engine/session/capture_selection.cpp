#include "session/capture_selection.h"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace sinkscope {

bool CaptureSelection::contains(int layer, int head) const {
    if (layer < firstLayer || (lastLayer >= 0 && layer > lastLayer)) return false;
    return heads.empty() || std::binary_search(heads.begin(), heads.end(), head);
}

int CaptureSelection::layerCount(int layers) const {
    const int last = lastLayer < 0 ? layers - 1 : std::min(lastLayer, layers - 1);
    return std::max(0, last - firstLayer + 1);
}

int CaptureSelection::headCount(int nHeads) const {
    return heads.empty() ? nHeads : static_cast<int>(heads.size());
}

bool CaptureSelection::everything(int layers, int nHeads) const {
    return layerCount(layers) == layers && headCount(nHeads) == nHeads;
}

std::string CaptureSelection::describe(int layers, int nHeads) const {
    if (everything(layers, nHeads)) return "every layer and head";
    const int last = lastLayer < 0 ? layers - 1 : lastLayer;
    std::string s = firstLayer == last ? fmt::format("layer {}", firstLayer)
                                       : fmt::format("layers {}-{}", firstLayer, last);
    if (!heads.empty()) s += fmt::format(", head{} {}", heads.size() > 1 ? "s" : "", fmt::join(heads, ","));
    return s;
}

CaptureSelection CaptureSelection::firstLayers(int count, int layers) const {
    CaptureSelection s = *this;
    s.lastLayer = std::min(firstLayer + count - 1, lastLayer < 0 ? layers - 1 : lastLayer);
    return s;
}

namespace {

// `whole`: the option's value as the user gave it, for the message.
Result<int> index(const std::string& text, const std::string& whole, const std::string& what, int limit,
                  const std::string& option) {
    int v = -1;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || p != end || v < 0)
        return Error{fmt::format("{} '{}': expected a {} number, a range A-B or 'all'", option, whole, what)};
    if (v >= limit)
        return Error{fmt::format("{} {}: the model has {} {}s (0..{})", option, v, limit, what, limit - 1)};
    return v;
}

// "a" or "a-b" (a <= b) against [0, limit).
Result<std::pair<int, int>> range(const std::string& text, const std::string& whole, const std::string& what,
                                  int limit, const std::string& option) {
    const auto dash = text.find('-');
    auto a = index(text.substr(0, dash), whole, what, limit, option);
    if (!a) return a.error();
    if (dash == std::string::npos) return std::pair{*a, *a};
    auto b = index(text.substr(dash + 1), whole, what, limit, option);
    if (!b) return b.error();
    if (*b < *a) return Error{fmt::format("{} '{}': the range is backwards", option, text)};
    return std::pair{*a, *b};
}

} // namespace

Result<CaptureSelection> parseCaptureSelection(const std::string& layers, const std::string& heads,
                                               int nLayers, int nHeads) {
    CaptureSelection s;
    if (!layers.empty() && layers != "all") {
        auto r = range(layers, layers, "layer", nLayers, "--capture-layers");
        if (!r) return r.error();
        s.firstLayer = r->first;
        s.lastLayer = r->second;
    }
    if (!heads.empty() && heads != "all") {
        std::size_t start = 0;
        while (start <= heads.size()) {
            const auto comma = std::min(heads.find(',', start), heads.size());
            auto r = range(heads.substr(start, comma - start), heads, "head", nHeads, "--capture-heads");
            if (!r) return r.error();
            for (int h = r->first; h <= r->second; ++h)
                s.heads.push_back(h);
            start = comma + 1;
        }
        std::sort(s.heads.begin(), s.heads.end());
        s.heads.erase(std::unique(s.heads.begin(), s.heads.end()), s.heads.end());
        if (static_cast<int>(s.heads.size()) == nHeads) s.heads.clear();
    }
    return s;
}

} // namespace sinkscope

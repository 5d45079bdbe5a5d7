#include "intervene/spec_values.h"
#include "core/excerpt.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <system_error>

namespace sinkscope::detail {

Result<std::int64_t> parseCount(std::string_view text, std::int64_t maxValue) {
    if (text.empty()) return Error{"a number is missing"};
    // from_chars would take the sign; here "-" separates a range's ends, so say what went wrong.
    if (text.front() == '-')
        return Error{fmt::format("\"{}\" is negative (indices and counts start at 0)", excerpt(text))};
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc{} && end == text.data() + text.size() && v > maxValue))
        return Error{fmt::format("{} is too large (at most {})", excerpt(text), maxValue)};
    if (ec != std::errc{} || end != text.data() + text.size())
        return Error{fmt::format("\"{}\" is not a whole number", excerpt(text))};
    return v;
}

Result<ItemRange> parseItem(std::string_view text, std::int64_t maxValue) {
    if (text.empty()) return Error{"an empty list item (a doubled or trailing \"|\"?)"};
    const auto dash = text.find('-', 1);
    if (dash == std::string_view::npos) {
        auto v = parseCount(text, maxValue);
        if (!v) return v.error();
        return ItemRange{*v, *v};
    }
    auto first = parseCount(text.substr(0, dash), maxValue);
    if (!first) return first.error();
    if (dash + 1 == text.size()) return Error{fmt::format("the range \"{}\" has no end", excerpt(text))};
    auto last = parseCount(text.substr(dash + 1), maxValue);
    if (!last) return last.error();
    if (*first > *last)
        return Error{
            fmt::format("bad range \"{}\": the first end must not exceed the second", excerpt(text))};
    return ItemRange{*first, *last};
}

Status appendItems(std::string_view text, std::int64_t maxValue, std::vector<std::int64_t>& out) {
    std::size_t start = 0;
    while (true) {
        const auto bar = text.find('|', start);
        const auto item =
            text.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
        auto range = parseItem(item, maxValue);
        if (!range) return range.error();
        // Compare before expanding: the count itself must not be what exhausts memory.
        const auto count = static_cast<std::uint64_t>(range->last - range->first) + 1;
        if (count > kMaxListEntries - out.size())
            return Error{fmt::format("the list names more than {} entries", kMaxListEntries)};
        // Counted, not "v <= last; ++v": that would overflow past a last of INT64_MAX.
        for (std::uint64_t k = 0; k < count; ++k)
            out.push_back(range->first + static_cast<std::int64_t>(k));
        if (bar == std::string_view::npos) return okStatus();
        start = bar + 1;
    }
}

Result<double> parseReal(std::string_view text) {
    if (text.empty()) return Error{"a number is missing"};
    double v = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range) return Error{fmt::format("{} is out of range", excerpt(text))};
    // from_chars reads "inf" and "nan" as numbers: parameters must be finite.
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        return Error{fmt::format("\"{}\" is not a finite number", excerpt(text))};
    return v;
}

} // namespace sinkscope::detail

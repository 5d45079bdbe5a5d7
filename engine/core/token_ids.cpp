#include "core/token_ids.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

namespace sinkscope {

Result<std::vector<std::int32_t>> parseTokenIdList(std::string_view text, std::string_view what) {
    std::vector<std::int32_t> ids;
    std::size_t index = 0;
    for (std::size_t start = 0; start < text.size(); ++index) { // a trailing comma ends the list
        const std::size_t comma = std::min(text.find(',', start), text.size());
        std::string_view item = text.substr(start, comma - start);
        const auto b = item.find_first_not_of(" \t\r\n"), e = item.find_last_not_of(" \t\r\n");
        item = b == std::string_view::npos ? std::string_view() : item.substr(b, e - b + 1);
        std::int64_t v = -1;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 0 || v > INT32_MAX)
            return Error{std::string(what) + ": entry " + std::to_string(index) + " ('" + std::string(item) +
                         "') is not a non-negative integer"};
        ids.push_back(static_cast<std::int32_t>(v));
        start = comma + 1;
    }
    if (ids.empty()) return Error{std::string(what) + ": no ids given"};
    return ids;
}

} // namespace sinkscope

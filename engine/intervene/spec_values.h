#pragma once
// Strict reading of the numbers and lists inside an intervention spec (grammar: spec_parser.cpp).
// Messages describe only the value; the parser adds the spec and the argument they came from.
#include "core/result.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sinkscope::detail {

// Ranges are expanded into vectors (IndexSet, SinkSet::positions): without a cap, `sinks=0-4000000000`
// would allocate gigabytes before anything could refuse it.
constexpr std::size_t kMaxListEntries = 65536;

struct ItemRange {
    std::int64_t first = 0;
    std::int64_t last = 0;
};

// A non-negative decimal integer <= maxValue, the whole text and nothing else.
Result<std::int64_t> parseCount(std::string_view text, std::int64_t maxValue);

// ITEM := N | N "-" M with N <= M <= maxValue.
Result<ItemRange> parseItem(std::string_view text, std::int64_t maxValue);

// Appends the items of `text` (ITEM { "|" ITEM }) to `out`, ranges expanded.
Status appendItems(std::string_view text, std::int64_t maxValue, std::vector<std::int64_t>& out);

// A finite decimal number, the whole text: no "inf", "nan", hex or leading "+".
Result<double> parseReal(std::string_view text);

} // namespace sinkscope::detail

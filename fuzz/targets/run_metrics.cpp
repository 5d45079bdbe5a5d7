// A stored run's metrics record (trace files: run_data.metrics_json), read by the desktop app,
// `export` and `sweep-report`: the strict decoder and the lenient reader for a model of 4 layers
// and 3 heads. Whatever the strict one accepts must read back the same through the lenient one.
#include "trace/run_metrics.h"
#include "fuzz_support.h"
#include "targets.h"

#include <cmath>
#include <cstdlib>

namespace sinkscope::fuzz {

Outcome runMetrics(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = asText(data, size);
    const RunMetrics lenient = readRunMetrics(text, 4, 3);
    auto strict = decodeRunMetrics(text, 4, 3);
    if (!strict) return strict.error().message;
    if (strict->alpha0 != lenient.alpha0) std::abort();
    // A decoded record of finite numbers encodes and decodes to itself (JSON has no infinity).
    for (const auto& row : strict->alpha0)
        for (double v : row)
            if (!std::isfinite(v)) return std::nullopt;
    if (!std::isfinite(strict->sinkRate)) return std::nullopt;
    auto again = decodeRunMetrics(encodeRunMetrics(*strict), 4, 3);
    if (!again || again->alpha0 != strict->alpha0) std::abort();
    return std::nullopt;
}

} // namespace sinkscope::fuzz

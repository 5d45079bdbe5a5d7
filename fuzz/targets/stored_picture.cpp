// A trace run's settings as a file from anywhere gives them: readStoredPicture (JSON, base64, the
// PNG thumbnail through libpng, the block and grid checked against the run's tokens). Whatever it
// accepts holds together.
#include "trace/stored_picture.h"
#include "fuzz_support.h"
#include "targets.h"

#include <cstdlib>

namespace sinkscope::fuzz {

Outcome storedPicture(const std::uint8_t* data, std::size_t size) {
    auto r = readStoredPicture(asText(data, size), 64, 4);
    if (!r) return r.error().message;
    if (!*r) return std::nullopt;
    const StoredPicture& p = **r;
    if (p.first < 0 || p.last >= 64 || p.last < p.first) std::abort();
    if (std::int64_t{p.gridRows} * p.gridCols + p.leadingTokens != p.last - p.first + 1) std::abort();
    if (p.visualSinks.size() > 4) std::abort();
    for (const auto& layer : p.visualSinks)
        for (auto t : layer)
            if (t < p.first || t > p.last) std::abort();
    if (p.thumbnail.rgb.size() != static_cast<std::size_t>(p.thumbnail.width) * p.thumbnail.height * 3)
        std::abort();
    return std::nullopt;
}

} // namespace sinkscope::fuzz

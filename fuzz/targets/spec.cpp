// The intervention SPEC grammar (--intervention, the GUI's spec field): parseIntervention, then
// the checks against a model of 6 layers and 8 heads, and the description of what parses.
#include "fuzz_support.h"
#include "intervene/intervention.h"
#include "targets.h"

namespace sinkscope::fuzz {

Outcome spec(const std::uint8_t* data, std::size_t size) {
    auto iv = parseIntervention(asText(data, size));
    if (!iv) return iv.error().message;
    (void)describeIntervention(*iv);
    if (auto s = validateIntervention(*iv, 6, 8); !s) return s.error().message;
    return std::nullopt;
}

} // namespace sinkscope::fuzz

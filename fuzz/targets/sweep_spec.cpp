// A sweep's spec file (`sinkscope-cli sweep SPEC.json`): parseSweepSpec, then the tasks it makes.
// The file checks that follow the parse (models present, prompts readable) touch the disk and are
// left out; what reaches them is a parsed spec.
#include "sweep/sweep_spec.h"
#include "fuzz_support.h"
#include "targets.h"

#include <cstdlib>

namespace sinkscope::fuzz {

Outcome sweepSpec(const std::uint8_t* data, std::size_t size) {
    auto spec = parseSweepSpec(asText(data, size), "/sweeps/spec.json");
    if (!spec) return spec.error().message;
    // Every task is one model with one of the interventions, in order.
    const auto tasks = sweepTasks(*spec);
    if (tasks.size() != spec->models.size() * spec->interventions.size()) std::abort();
    return std::nullopt;
}

} // namespace sinkscope::fuzz

// The libFuzzer entry of one target; SINKSCOPE_FUZZ_TARGET names it (see fuzz/CMakeLists.txt).
// Besides crashes and sanitizer reports, an error message that is not one short line is a finding.
#include "targets.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const sinkscope::fuzz::EntryPoint run = sinkscope::fuzz::entryPoint(SINKSCOPE_FUZZ_TARGET);
    const sinkscope::fuzz::Outcome outcome = run(data, size);
    if (outcome && !sinkscope::fuzz::isCleanError(*outcome)) {
        std::fprintf(stderr, "error message is not one short line (%zu bytes): %.3000s\n", outcome->size(),
                     outcome->c_str());
        std::abort();
    }
    return 0;
}

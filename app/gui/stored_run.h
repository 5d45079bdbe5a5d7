#pragma once
// RunViews built from a trace file, so the window shows a stored run without its model: the
// prompt pass (step 0) of every head, alpha_0, the stored top-k, generations and hidden-state
// norms. Metrics that need the residual stream itself (sink dimensions, secondary sinks) are not
// stored and stay empty. Reads only; runs on whichever thread owns the store.
#include "core/result.h"
#include "run_view.h"

#include <cstdint>

namespace sinkscope {
class TraceStore;
}

namespace sinkscope::gui {

// One stored run. An intervened run whose group holds an unmodified run of the same tokens gets
// that run as its base (the difference view then works as for a live run); otherwise the base is
// the run itself.
Result<RunViewPtr> loadStoredRun(const TraceStore& store, std::int64_t id);

// Two stored runs of the same tokens side by side: base = baseId, intervened = otherId, so the
// window's difference view shows other − base. Errors when the tokens or shapes differ.
Result<RunViewPtr> loadRunComparison(const TraceStore& store, std::int64_t baseId, std::int64_t otherId);

} // namespace sinkscope::gui

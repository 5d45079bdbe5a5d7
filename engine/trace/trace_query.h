#pragma once
// Helpers shared by the store's query and write paths (internal).
#include "core/result.h"
#include "trace/sqlite_util.h"
#include "trace/trace_types.h"

#include <exception>
#include <fmt/format.h>
#include <string>

namespace sinkscope::trace {

inline const char* mapKindName(MapKind kind) {
    return kind == MapKind::Scores ? "score map" : "attention map";
}

// Runs fn, turning an escaping exception (std::bad_alloc, mostly) into an Error naming the file:
// nothing may throw across the TraceStore API.
template <typename F> auto guarded(const std::string& path, F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const std::exception& e) {
        return Error{fmt::format("{}: {}", path, e.what())};
    }
}

// Ok when run id exists, else "path: run N does not exist".
Status requireRun(const Db& db, std::int64_t id);

} // namespace sinkscope::trace

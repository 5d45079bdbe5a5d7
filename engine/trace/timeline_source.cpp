#include "trace/timeline_source.h"

#include "trace/timeline_file.h"
#include "trace/trace_store.h"

#include <filesystem>
#include <fmt/format.h>

namespace sinkscope {

Result<TimelineSource> parseTimelineSource(const std::string& text) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (text.empty()) return Error{"a timeline source is empty: give a run directory or TRACE:NAME"};
    if (const auto colon = text.rfind(':'); colon != std::string::npos && colon > 0) {
        const std::string file = text.substr(0, colon), name = text.substr(colon + 1);
        if (fs::is_regular_file(file, ec)) {
            if (name.empty()) return Error{fmt::format("{}: no timeline name after '{}:'", text, file)};
            return TimelineSource{{}, file, name, name};
        }
    }
    if (fs::is_regular_file(text, ec))
        return Error{fmt::format("{}: a trace file needs the timeline's name, {}:NAME (timeline --trace {} "
                                 "lists them)",
                                 text, text, text)};
    if (!fs::is_directory(text, ec))
        return Error{fmt::format("{}: no such run directory or trace file", text)};
    auto dir = fs::path(text).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();
    return TimelineSource{text, {}, {}, dir.filename().empty() ? text : dir.filename().string()};
}

Result<std::vector<TimelinePoint>> loadTimelineSource(const TimelineSource& source) {
    Result<std::vector<TimelinePoint>> points = std::vector<TimelinePoint>{};
    std::string where;
    if (!source.runDir.empty()) {
        points = readTimeline(source.runDir);
        where = source.runDir + "/timeline.json";
    } else {
        auto store = TraceStore::openReadOnly(source.trace);
        if (!store) return store.error();
        points = (*store)->loadTimeline(source.name);
        where = fmt::format("{}, timeline '{}'", source.trace, source.name);
    }
    if (points && points->empty()) return Error{fmt::format("{}: holds no checkpoints yet", where)};
    return points;
}

} // namespace sinkscope

#include "sweep/sweep_tasks.h"

#include "core/atomic_file.h"
#include "core/read_file.h"

#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace fs = std::filesystem;

std::string taskShardPath(const std::string& dir, int index) {
    return (fs::path(dir) / fmt::format("task-{}.sqlite", index)).string();
}
std::string taskDonePath(const std::string& dir, int index) {
    return (fs::path(dir) / fmt::format("task-{}.done", index)).string();
}
std::string taskErrorPath(const std::string& dir, int index) {
    return (fs::path(dir) / fmt::format("task-{}.error", index)).string();
}
std::string taskLogPath(const std::string& dir, int index) {
    return (fs::path(dir) / fmt::format("task-{}.log", index)).string();
}

std::string taskIdentity(const SweepSpec& spec, const SweepTask& task) {
    return nlohmann::json{{"model", task.model},
                          {"intervention", task.intervention},
                          {"prompts_file", spec.promptsFile},
                          {"store", spec.storeMaps ? "maps" : "metrics"},
                          {"max_new_tokens", spec.maxNewTokens}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
}

bool taskDone(const SweepSpec& spec, const SweepTask& task, const std::string& dir) {
    auto mark = readWholeFile(taskDonePath(dir, task.index), kConfigFile);
    std::error_code ec;
    return mark && *mark == taskIdentity(spec, task) && fs::exists(taskShardPath(dir, task.index), ec);
}

std::optional<std::string> taskError(const std::string& dir, int index) {
    auto text = readWholeFile(taskErrorPath(dir, index), kConfigFile);
    if (!text || text->empty()) return std::nullopt;
    const auto end = text->find('\n');
    return end == std::string::npos ? *text : text->substr(0, end);
}

void clearTaskMarks(const std::string& dir, int index) {
    std::error_code ec;
    fs::remove(taskDonePath(dir, index), ec);
    fs::remove(taskErrorPath(dir, index), ec);
}

Status recordTaskError(const std::string& dir, int index, const std::string& why) {
    return writeFileAtomically(taskErrorPath(dir, index), why + "\n");
}

} // namespace sinkscope

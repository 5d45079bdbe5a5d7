#include "sweep/checkpoint_name.h"

#include <array>
#include <cctype>
#include <filesystem>
#include <string_view>

namespace sinkscope {

namespace {

// The step number when `name` is a checkpoint's directory name, else -1.
std::int64_t checkpointStep(std::string_view name) {
    static constexpr std::array<std::string_view, 3> prefixes = {"checkpoint", "step", "ckpt"};
    for (std::string_view prefix : prefixes) {
        if (name.size() <= prefix.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < prefix.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(name[i])) == prefix[i];
        if (!same) continue;
        std::string_view digits = name.substr(prefix.size());
        if (digits.front() == '-' || digits.front() == '_') digits.remove_prefix(1);
        // 18 digits always fit in int64, so no overflow check is needed.
        if (digits.empty() || digits.size() > 18) return -1;
        std::int64_t step = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return -1;
            step = step * 10 + (c - '0');
        }
        return step;
    }
    return -1;
}

} // namespace

CheckpointName splitCheckpoint(const std::string& modelPath) {
    namespace fs = std::filesystem;
    fs::path p(modelPath);
    // "runs/a/step100/" names the same checkpoint as "runs/a/step100".
    if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
    const std::string name = p.filename().string();
    const std::int64_t step = checkpointStep(name);
    if (step < 0 || !p.has_parent_path()) return {modelPath, "", -1};
    return {p.parent_path().string(), name, step};
}

} // namespace sinkscope

#include "sweep/sweep_spec.h"

#include "core/json_parse.h"
#include "core/read_file.h"
#include "intervene/intervention.h"
#include "sweep/checkpoint_name.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sinkscope {

namespace fs = std::filesystem;

namespace {

// Values quoted in errors stay short, however long the value in the file.
std::string shown(const nlohmann::json& value) {
    return jsonExcerpt(value);
}

// A relative path in the spec names a file beside the spec, wherever the sweep is started from.
std::string resolved(const std::string& specPath, const std::string& path) {
    const fs::path p(path);
    if (p.is_absolute()) return path;
    // Absolute, so that a task started elsewhere (a Slurm node, another directory) names the same
    // files and its done mark the same task.
    std::error_code ec;
    const fs::path joined = fs::path(specPath).parent_path() / p;
    const fs::path absolute = fs::absolute(joined, ec);
    return (ec ? joined : absolute).lexically_normal().string();
}

int countPrompts(const std::string& text) {
    int n = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) ++n;
    return n;
}

// The checkpoints of a training run, in step order, when `dir` is a directory holding no model
// of its own (no config.json) whose subdirectories are named like checkpoints; else nothing.
std::vector<std::string> checkpointsIn(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec) || fs::exists(fs::path(dir) / "config.json", ec)) return {};
    std::vector<std::pair<std::int64_t, std::string>> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (!entry.is_directory(ec)) continue;
        const auto name = splitCheckpoint(entry.path().string());
        if (name.step >= 0) found.emplace_back(name.step, entry.path().string());
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> paths;
    for (auto& [step, p] : found)
        paths.push_back(std::move(p));
    return paths;
}

} // namespace

Result<SweepSpec> parseSweepSpec(std::string_view text, const std::string& path) {
    auto parsed = parseJson(text, path);
    if (!parsed) return parsed.error();
    const nlohmann::json& j = *parsed;
    if (!j.is_object()) return Error{fmt::format("{}: expected a JSON object, got {}", path, shown(j))};
    auto bad = [&path](const std::string& key, const nlohmann::json& value, const std::string& why) {
        return Error{fmt::format("{}: \"{}\": {} {}", path, key, shown(value), why)};
    };
    static const char* const known[] = {"models", "prompts_file", "interventions",
                                        "store",  "shards_dir",   "max_new_tokens"};
    for (const auto& [key, value] : j.items())
        if (std::find(std::begin(known), std::end(known), key) == std::end(known))
            return Error{fmt::format("{}: unknown key {} (known: models, prompts_file, interventions, store, "
                                     "shards_dir, max_new_tokens)",
                                     path, shown(key))};

    SweepSpec s;
    s.path = path;
    if (!j.contains("models"))
        return Error{fmt::format("{}: \"models\" is missing (a list of model paths)", path)};
    const auto& models = j["models"];
    if (!models.is_array() || models.empty())
        return bad("models", models, "is not a non-empty list of paths");
    for (const auto& m : models) {
        if (!m.is_string() || m.get<std::string>().empty())
            return bad("models", m, "is not a path (a non-empty string)");
        s.models.push_back(resolved(path, m.get<std::string>()));
    }

    if (!j.contains("prompts_file"))
        return Error{fmt::format("{}: \"prompts_file\" is missing (one prompt per line)", path)};
    const auto& prompts = j["prompts_file"];
    if (!prompts.is_string() || prompts.get<std::string>().empty())
        return bad("prompts_file", prompts, "is not a path (a non-empty string)");
    s.promptsFile = resolved(path, prompts.get<std::string>());

    if (j.contains("interventions")) {
        const auto& list = j["interventions"];
        if (!list.is_array() || list.empty())
            return bad("interventions", list,
                       "is not a non-empty list of SPEC strings (\"none\": no intervention)");
        for (const auto& iv : list) {
            if (!iv.is_string()) return bad("interventions", iv, "is not a SPEC string");
            const std::string spec = iv.get<std::string>();
            if (spec != "none")
                if (auto intervention = parseIntervention(spec); !intervention)
                    return bad("interventions", iv,
                               "is not an intervention: " + intervention.error().message);
            s.interventions.push_back(spec);
        }
    } else {
        s.interventions = {"none"};
    }

    if (j.contains("store")) {
        const auto& store = j["store"];
        if (store == "maps")
            s.storeMaps = true;
        else if (store != "metrics")
            return bad("store", store, "is not \"metrics\" (no maps) or \"maps\"");
    }
    if (j.contains("shards_dir")) {
        const auto& dir = j["shards_dir"];
        if (!dir.is_string() || dir.get<std::string>().empty())
            return bad("shards_dir", dir, "is not a path (a non-empty string)");
        s.shardsDir = resolved(path, dir.get<std::string>());
    }
    if (j.contains("max_new_tokens")) {
        const auto& n = j["max_new_tokens"];
        if (!n.is_number_integer() || n.get<std::int64_t>() < 0 || n.get<std::int64_t>() > 100000)
            return bad("max_new_tokens", n, "is not a whole number from 0 to 100000");
        s.maxNewTokens = n.get<int>();
    }
    return s;
}

Result<SweepSpec> readSweepSpec(const std::string& path) {
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return Error{"sweep spec: " + text.error().message};
    auto spec = parseSweepSpec(*text, path);
    if (!spec) return spec.error();
    SweepSpec& s = *spec;
    std::vector<std::string> models;
    for (const auto& model : s.models) {
        std::error_code ec;
        if (!fs::exists(model, ec))
            return Error{fmt::format("{}: \"models\": \"{}\" does not exist", path, model)};
        const auto checkpoints = checkpointsIn(model);
        models.insert(models.end(), checkpoints.begin(), checkpoints.end());
        if (checkpoints.empty()) models.push_back(model);
    }
    s.models = std::move(models);
    auto promptText = readWholeFile(s.promptsFile, kPromptFile);
    if (!promptText)
        return Error{
            fmt::format("{}: \"prompts_file\": cannot be read: {}", path, promptText.error().message)};
    s.prompts = countPrompts(*promptText);
    if (s.prompts == 0)
        return Error{
            fmt::format("{}: \"prompts_file\": {} holds no prompts (one per line)", path, s.promptsFile)};
    return spec;
}

std::vector<SweepTask> sweepTasks(const SweepSpec& spec) {
    std::vector<SweepTask> tasks;
    for (const auto& model : spec.models)
        for (const auto& iv : spec.interventions)
            tasks.push_back({static_cast<int>(tasks.size()), model, iv});
    return tasks;
}

} // namespace sinkscope

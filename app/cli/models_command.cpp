#include "models_command.h"

#include "core/human_bytes.h"
#include "io/hf_cache.h"
#include "io/model_discovery.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::cli {

namespace {

// 260K, 1.2M, 7.0B: parameter counts as model cards write them.
std::string humanCount(std::int64_t n) {
    if (n < 1000) return std::to_string(n);
    constexpr std::array<const char*, 4> units = {"K", "M", "B", "T"};
    double v = static_cast<double>(n);
    std::size_t u = 0;
    for (v /= 1000.0; v >= 1000.0 && u + 1 < units.size(); v /= 1000.0)
        ++u;
    return fmt::format("{:.{}f}{}", v, v < 10.0 ? 1 : 0, units[u]);
}

// The features for the table: whole items within kFeatureWidth columns, then "+N more" (the JSON
// lists them all). The first item is always shown, whatever its length: nothing is cut mid-word.
constexpr std::size_t kFeatureWidth = 56;

std::string featureCell(const std::vector<std::string>& f) {
    if (f.empty()) return "-";
    std::string cell = f.front();
    for (std::size_t i = 1; i < f.size(); ++i) {
        const std::size_t after = f.size() - i - 1; // room is kept for the "+N more" they would need
        const std::size_t tail = after ? fmt::format(", +{} more", after).size() : 0;
        if (cell.size() + 2 + f[i].size() + tail > kFeatureWidth)
            return fmt::format("{}, +{} more", cell, f.size() - i);
        cell += ", " + f[i];
    }
    return cell;
}

std::string executablePath() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

nlohmann::json toJson(const ModelEntry& m) {
    auto orNull = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
    return {{"name", m.name},
            {"source", modelSourceId(m.source)},
            {"path", m.path},
            {"format", m.format ? nlohmann::json(modelFormatId(*m.format)) : nlohmann::json()},
            {"architecture", orNull(m.architecture)},
            {"family", orNull(m.family)},
            {"parameters", m.parameters ? nlohmann::json(*m.parameters) : nlohmann::json()},
            {"features", m.features},
            {"quantization", orNull(m.quantization)},
            {"weight_bytes", m.weightBytes},
            {"supported", m.supported},
            {"reason", orNull(m.reason)},
            {"revision", orNull(m.revision)},
            {"note", orNull(m.note)}};
}

void printTable(const Discovery& d) {
    struct Row {
        std::array<std::string, 8> cells;
        const ModelEntry* entry;
    };
    std::vector<Row> rows;
    rows.push_back({{"NAME", "SOURCE", "FORMAT", "ARCH", "PARAMS", "SIZE", "OK", "FEATURES"}, nullptr});
    for (const auto& m : d.models)
        rows.push_back(
            {{m.name, modelSourceId(m.source), m.format ? modelFormatId(*m.format) : "-",
              m.architecture.empty() ? "?" : m.architecture, m.parameters ? humanCount(*m.parameters) : "-",
              humanBytes(m.weightBytes), m.supported ? "yes" : "no", featureCell(m.features)},
             &m});
    std::array<std::size_t, 8> width{};
    for (const auto& r : rows)
        for (std::size_t c = 0; c < width.size(); ++c)
            width[c] = std::max(width[c], r.cells[c].size());
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t c = 0; c < width.size(); ++c) {
            const bool right = c == 4 || c == 5; // numbers
            line += right ? fmt::format("{:>{}}  ", r.cells[c], width[c])
                          : fmt::format("{:<{}}  ", r.cells[c], width[c]);
        }
        line += r.entry ? r.entry->path : "PATH";
        fmt::print("{}\n", line);
        if (r.entry && !r.entry->supported) fmt::print("    why not: {}\n", r.entry->reason);
        if (r.entry && !r.entry->note.empty()) fmt::print("    note: {}\n", r.entry->note);
    }
}

} // namespace

CLI::App* addModelsCommand(CLI::App& app, ModelsOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "models", "List models: bundled, in the Hugging Face cache ($HF_HUB_CACHE, $HF_HOME/hub, "
                  "~/.cache/huggingface/hub) and in --dir directories; whether each can be opened");
    cmd->add_option("--dir", o.dirs, "Also search this directory (repeatable; subdirectories too)");
    cmd->add_option("--depth", o.depth, "How many directory levels below each --dir to search")
        ->check(CLI::Range(0, 32));
    cmd->add_flag("--json", o.json, "Print one JSON object instead of a table");
    return cmd;
}

int runModelsCommand(const ModelsOptions& o) {
    DiscoveryOptions options;
    options.bundledDirs = {bundledModelsDir(executablePath(), SINKSCOPE_SOURCE_DIR, SINKSCOPE_BINARY_DIR)};
    options.hfHubCache = hfHubCacheDir(processEnvironment()).value_or("");
    options.userDirs = o.dirs;
    options.maxDepth = o.depth;
    const Discovery d = discoverModels(options);

    if (o.json) {
        auto models = nlohmann::json::array();
        for (const auto& m : d.models)
            models.push_back(toJson(m));
        const nlohmann::json out = {{"models", models},
                                    {"notes", d.notes},
                                    {"searched",
                                     {{"bundled", options.bundledDirs},
                                      {"hf_cache", options.hfHubCache},
                                      {"dirs", options.userDirs}}}};
        fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return 0;
    }
    for (const auto& n : d.notes)
        fmt::print(stderr, "note: {}\n", n);
    if (d.models.empty())
        fmt::print("no models found\n");
    else
        printTable(d);
    fmt::print("searched: bundled {}; Hugging Face cache {}{}\n", options.bundledDirs.front(),
               options.hfHubCache.empty() ? std::string("(HOME unset)") : options.hfHubCache,
               o.dirs.empty() ? std::string() : fmt::format("; {}", fmt::join(o.dirs, ", ")));
    return 0;
}

} // namespace sinkscope::cli

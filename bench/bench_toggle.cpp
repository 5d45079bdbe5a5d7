// Live-toggle latency: a prompt of 256 tokens is prepared once (the unmodified run, keeping the
// stream entering each layer); then interventions are switched and the updated next-token
// distribution is timed. The baseline, in the same run and alternating with it, is a full
// forward pass with the same interventions and no reuse.
//   bench_toggle [--default-model DIR] [--gpt2-model DIR] [--repeats N] [--tokens T] [--skip-gpt2]
//                [--toggles SPEC ...] [--json]
// --toggles replaces the default list; {mid} and {last} in a SPEC stand for the model's middle
// and last layer. --json prints one JSON object (every timing) instead of the table.
// Targets: <= 100 ms on the default model, <= 1 s on the GPT-2-small shape (2 cores).
#include "bench_models.h"
#include "bench_timing.h"
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "train/train_config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

using namespace sinkscope;
using sinkscope::bench::median;
using sinkscope::bench::timeMs;

namespace {

Result<std::unique_ptr<Model>> randomModel(const std::string& name, const ModelConfig& c) {
    const auto dir = std::filesystem::temp_directory_path() / name;
    if (auto s = bench::ensureRandomModel(dir, c); !s) return s.error();
    return Model::load(dir.string());
}

std::string expand(std::string spec, int layers) {
    for (const auto& [key, value] :
         {std::pair<std::string, int>{"{mid}", layers / 2}, {"{last}", layers - 1}})
        for (std::size_t at = spec.find(key); at != std::string::npos; at = spec.find(key))
            spec.replace(at, key.size(), std::to_string(value));
    return spec;
}

nlohmann::json benchModel(const std::string& label, const Model& m, int T, int repeats,
                          const std::vector<std::string>& toggleSpecs, bool quiet) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> dist(0, m.config().vocabSize - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(T));
    for (auto& id : ids)
        id = dist(rng);
    const int L = m.config().nLayers;
    std::unique_ptr<PreparedPrompt> prepared;
    const double prepareMs = timeMs([&] { prepared = std::move(PreparedPrompt::create(m, ids).value()); });
    if (!quiet) {
        fmt::print("{} ({} layers, d {}), {} tokens: prepared in {:.1f} ms\n", label, L, m.config().dModel, T,
                   prepareMs);
        fmt::print("  {:<36} {:>12} {:>12} {:>8}\n", "toggle to", "prepared ms", "full ms", "speed-up");
    }
    nlohmann::json out{{"label", label}, {"layers", L}, {"tokens", T}, {"prepare_ms", prepareMs}};
    for (const auto& pattern : toggleSpecs) {
        const std::string spec = expand(pattern, L);
        const Interventions ivs{parseIntervention(spec).value()};
        std::vector<double> a, b;
        (void)prepared->run(ivs);
        (void)m.forward(ids, nullptr, false, ivs);
        for (int i = 0; i < repeats; ++i) {
            a.push_back(timeMs([&] { (void)prepared->run(ivs); }));
            b.push_back(timeMs([&] { (void)m.forward(ids, nullptr, false, ivs); }));
        }
        out["toggles"].push_back({{"spec", spec}, {"prepared_ms", a}, {"full_ms", b}});
        if (quiet) continue;
        fmt::print("  {:<36} {:>12.1f} {:>12.1f} {:>7.1f}x\n", spec, median(a), median(b),
                   median(b) / median(a));
        std::fflush(stdout);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Live-toggle latency benchmark"};
    std::string defaultModel = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default";
    std::string recipe = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/recipes/default.json";
    std::string gpt2Model;
    int repeats = 7, tokens = 256;
    bool skipGpt2 = false, asJson = false;
    std::vector<std::string> toggles{
        "suppress",      "zerotune:gamma=4",      "act:beta=0.4,thr=0.1",
        "sinklogit:b=0", "suppress:layers={mid}", "zerotune:gamma=2,layers={last},heads=0"};
    app.add_option("--default-model", defaultModel, "The default model directory");
    app.add_option("--gpt2-model", gpt2Model, "A GPT-2-shaped model directory (default: a random one)");
    app.add_option("--repeats", repeats, "Timed repeats per figure (median printed)")
        ->check(CLI::Range(1, 100));
    app.add_option("--tokens", tokens, "Prompt length")->check(CLI::Range(2, 4096));
    app.add_flag("--skip-gpt2", skipGpt2, "Only the default model");
    app.add_option("--toggles", toggles, "Interventions to toggle to ({mid}, {last}: layer numbers)");
    app.add_flag("--json", asJson, "Print the timings as one JSON object");
    CLI11_PARSE(app, argc, argv);

    Result<std::unique_ptr<Model>> def = Error{""};
    std::string label = "default model";
    if (std::filesystem::exists(std::filesystem::path(defaultModel) / "config.json")) {
        def = Model::load(defaultModel);
        if (defaultModel.find("assets/models/default") == std::string::npos)
            label = "default shape (" + defaultModel + ")";
    } else {
        auto shape = bench::recipeShape(recipe);
        if (!shape) {
            fmt::print(stderr, "{}\n", shape.error().message);
            return 1;
        }
        label = "default recipe shape (random; the trained model is not in assets/models/default)";
        def = randomModel("sinkscope-bench-default-shape", *shape);
    }
    if (!def) {
        fmt::print(stderr, "{}\n", def.error().message);
        return 1;
    }
    nlohmann::json out;
    out["models"].push_back(benchModel(label, *def.value(), tokens, repeats, toggles, asJson));
    if (!skipGpt2) {
        auto g = gpt2Model.empty() ? randomModel("sinkscope-bench-gpt2-small", gpt2SmallConfig())
                                   : Model::load(gpt2Model);
        if (!g) {
            fmt::print(stderr, "{}\n", g.error().message);
            return 1;
        }
        out["models"].push_back(
            benchModel("gpt2-small shape (random)", *g.value(), tokens, repeats, toggles, asJson));
    }
    if (asJson) fmt::print("{}\n", out.dump());
    return 0;
}

// Live-toggle latency: a prompt of 256 tokens is prepared once (the unmodified run, keeping the
// stream entering each layer); then interventions are switched and the updated next-token
// distribution is timed. The baseline, in the same run and alternating with it, is a full
// forward pass with the same interventions and no reuse.
//   bench_toggle [--default-model DIR] [--repeats N] [--tokens T] [--skip-gpt2]
// Targets: <= 100 ms on the default model, <= 1 s on the GPT-2-small shape (2 cores).
#include "io/random_checkpoint.h"
#include "model/model.h"
#include "model/prepared_prompt.h"
#include "train/train_config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

using namespace sinkscope;

namespace {

double timeMs(const std::function<void()>& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

Result<std::unique_ptr<Model>> randomModel(const std::string& name, const ModelConfig& c) {
    const auto dir = std::filesystem::temp_directory_path() / name;
    if (!std::filesystem::exists(dir / "model.safetensors")) {
        fmt::print("writing a random model to {} ...\n", dir.string());
        if (auto s = writeRandomCheckpoint(dir.string(), c, 1); !s) return s.error();
    }
    return Model::load(dir.string());
}

// The default recipe's shape, for when the trained default model is not there.
Result<ModelConfig> recipeShape(const std::string& recipe) {
    std::ifstream in(recipe);
    std::stringstream ss;
    ss << in.rdbuf();
    auto t = parseTrainConfig(ss.str(), recipe);
    if (!t) return t.error();
    return t->modelConfig(4096, 1, 2);
}

void bench(const std::string& label, const Model& m, int T, int repeats) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> dist(0, m.config().vocabSize - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(T));
    for (auto& id : ids)
        id = dist(rng);
    const int L = m.config().nLayers;
    std::unique_ptr<PreparedPrompt> prepared;
    const double prepareMs = timeMs([&] { prepared = std::move(PreparedPrompt::create(m, ids).value()); });
    fmt::print("{} ({} layers, d {}), {} tokens: prepared in {:.1f} ms\n", label, L, m.config().dModel, T,
               prepareMs);
    const std::vector<std::string> toggles{"suppress",
                                           "zerotune:gamma=4",
                                           "act:beta=0.4,thr=0.1",
                                           "sinklogit:b=0",
                                           fmt::format("suppress:layers={}", L / 2),
                                           fmt::format("zerotune:gamma=2,layers={},heads=0", L - 1)};
    fmt::print("  {:<36} {:>12} {:>12} {:>8}\n", "toggle to", "prepared ms", "full ms", "speed-up");
    for (const auto& spec : toggles) {
        const Interventions ivs{parseIntervention(spec).value()};
        std::vector<double> a, b;
        (void)prepared->run(ivs);
        (void)m.forward(ids, nullptr, false, ivs);
        for (int i = 0; i < repeats; ++i) {
            a.push_back(timeMs([&] { (void)prepared->run(ivs); }));
            b.push_back(timeMs([&] { (void)m.forward(ids, nullptr, false, ivs); }));
        }
        fmt::print("  {:<36} {:>12.1f} {:>12.1f} {:>7.1f}x\n", spec, median(a), median(b),
                   median(b) / median(a));
        std::fflush(stdout);
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Live-toggle latency benchmark"};
    std::string defaultModel = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/models/default";
    std::string recipe = std::string(SINKSCOPE_SOURCE_DIR) + "/assets/recipes/default.json";
    int repeats = 7, tokens = 256;
    bool skipGpt2 = false;
    app.add_option("--default-model", defaultModel, "The default model directory");
    app.add_option("--repeats", repeats, "Timed repeats per figure (median printed)")
        ->check(CLI::Range(1, 100));
    app.add_option("--tokens", tokens, "Prompt length")->check(CLI::Range(2, 4096));
    app.add_flag("--skip-gpt2", skipGpt2, "Only the default model");
    CLI11_PARSE(app, argc, argv);

    Result<std::unique_ptr<Model>> def = Error{""};
    std::string label = "default model";
    if (std::filesystem::exists(std::filesystem::path(defaultModel) / "config.json")) {
        def = Model::load(defaultModel);
    } else {
        auto shape = recipeShape(recipe);
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
    bench(label, *def.value(), tokens, repeats);
    if (!skipGpt2) {
        auto g = randomModel("sinkscope-bench-gpt2-small", gpt2SmallConfig());
        if (!g) {
            fmt::print(stderr, "{}\n", g.error().message);
            return 1;
        }
        bench("gpt2-small shape (random)", *g.value(), tokens, repeats);
    }
    return 0;
}

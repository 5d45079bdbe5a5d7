// Memory the desktop app allocates per intervention toggle: the maps a RunView holds beyond the
// prompt's shared unmodified maps, measured on the worker's own views (GPT-2 small's shape, random
// weights). The baseline, from the same run, is what a toggle held before the shown maps started at
// the first recomputed layer: a copy of every kept layer (the size of the unmodified buffer).
//   bench_toggle_memory [--tokens T] [--model-dir DIR] [--json]
#include "bench_models.h"
#include "engine_worker.h"

#include <CLI/CLI.hpp>
#include <QCoreApplication>
#include <QSignalSpy>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace sinkscope;
using sinkscope::gui::EngineWorker;
using sinkscope::gui::RunViewPtr;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    CLI::App cli{"SinkScope: maps held per intervention toggle in the desktop app"};
    std::int64_t tokens = 512;
    std::string dir = (std::filesystem::temp_directory_path() / "sinkscope-bench-gpt2").string();
    bool json = false;
    cli.add_option("--tokens", tokens, "prompt tokens")->check(CLI::Range(2, 1024));
    cli.add_option("--model-dir", dir, "where the random GPT-2-shaped model is written (reused)");
    cli.add_flag("--json", json, "one JSON object instead of the table");
    CLI11_PARSE(cli, argc, argv);
    if (auto s = bench::ensureRandomModel(dir, bench::gpt2Shape(1024)); !s) {
        fmt::print(stderr, "bench_toggle_memory: {}\n", s.error().message);
        return 1;
    }
    EngineWorker worker; // driven on this thread: its slots are called directly
    QSignalSpy failed(&worker, &EngineWorker::failed);
    QSignalSpy finished(&worker, &EngineWorker::runFinished);
    worker.loadModel(QString::fromStdString(dir), false);
    QString prompt = "ids: 1";
    for (std::int64_t t = 1; t < tokens; ++t)
        prompt += QString(", %1").arg(100 + (t * 37) % 5000);

    const QStringList toggles{"", "suppress", "suppress:layers=6-11", "suppress:layers=11",
                              "zerotune:gamma=2,layers=9-11"};
    auto mib = [](std::size_t floats) { return static_cast<double>(floats) * 4.0 / (1 << 20); };
    nlohmann::json rows = nlohmann::json::array();
    if (!json)
        fmt::print("{:<30} {:>14} {:>16} {:>16}\n", "toggle", "first layer", "held now (MiB)",
                   "held before (MiB)");
    for (const auto& spec : toggles) {
        worker.run(prompt, spec.isEmpty() ? QStringList{} : QStringList{spec}, 0, 0);
        if (!failed.isEmpty()) {
            fmt::print(stderr, "bench_toggle_memory: {}\n", failed.back().at(0).toString().toStdString());
            return 1;
        }
        const auto v = finished.back().at(0).value<RunViewPtr>();
        const std::size_t base = v->baseAttention->size();
        const std::size_t now = v->attention == v->baseAttention ? 0 : v->attention->size();
        const std::size_t before = spec.isEmpty() ? 0 : base; // a copy of every kept layer
        const std::string name = spec.isEmpty() ? "(none)" : spec.toStdString();
        rows.push_back({{"toggle", name},
                        {"first_layer", v->intervenedFrom},
                        {"held_mib", mib(now)},
                        {"held_before_mib", mib(before)},
                        {"base_mib", mib(base)}});
        if (!json)
            fmt::print("{:<30} {:>14} {:>16.1f} {:>16.1f}\n", name, v->intervenedFrom, mib(now), mib(before));
    }
    if (json)
        fmt::print("{}\n", nlohmann::json{{"tokens", tokens}, {"toggles", rows}}.dump());
    else
        fmt::print(
            "GPT-2 small shape, {} tokens; the unmodified maps ({:.1f} MiB) are shared by every toggle\n",
            tokens, rows[0]["base_mib"].get<double>());
    return 0;
}

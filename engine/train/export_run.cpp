#include "train/export_run.h"
#include "core/atomic_file.h"

#include "core/json_parse.h"
#include "core/read_file.h"
#include "tokenizer/tokenizer.h"
#include "trace/timeline_file.h"
#include "train/token_data.h"
#include "train/train_config.h"
#include "train/train_model.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
Result<json> readJson(const std::string& path) {
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return text.error();
    return parseJson(*text, path);
}
} // namespace

Result<ExportSummary> exportRun(const std::string& runDir, const std::string& outDir, DType dtype) {
    auto recipe = readJson(runDir + "/recipe.json");
    if (!recipe) return recipe.error();
    auto cfg = parseTrainConfig(recipe->dump(), runDir + "/recipe.json");
    if (!cfg) return cfg.error();
    auto tok = loadTokenizerFromDirectory(runDir);
    if (!tok) return tok.error();
    const auto model =
        cfg->modelConfig((*tok)->vocabSize(), (*tok)->bosId().value_or(1), (*tok)->eosId().value_or(2));
    auto w = detail::loadTrainableWeights(runDir + "/checkpoint", model);
    if (!w) return w.error();
    if (auto s = detail::saveModelDirectory(outDir, model, *w, dtype); !s) return s.error();
    std::error_code ec;
    for (const char* f : {"tokenizer.json", "tokenizer.model", kTimelineFileName})
        if (fs::exists(runDir + "/" + f))
            fs::copy_file(runDir + "/" + f, outDir + "/" + f, fs::copy_options::overwrite_existing, ec);
    fs::copy_file(runDir + "/recipe.json", outDir + "/training_recipe.json",
                  fs::copy_options::overwrite_existing, ec);
    if (ec) return Error{fmt::format("{}: cannot copy the run's files: {}", outDir, ec.message())};

    auto val = loadTokenCache(runDir + "/data/val.ids");
    if (!val) return val.error();
    const std::optional<std::int32_t> bos = cfg->bos ? model.bosId : std::nullopt;
    const Batch probes = evenlySpacedBatch(*val, 0, 1, cfg->probeCount, cfg->probeLen, bos);
    std::vector<std::vector<std::int32_t>> sequences;
    for (int r = 0; r < probes.rows; ++r) {
        const auto* row =
            probes.inputs.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(probes.cols);
        sequences.emplace_back(row, row + probes.cols);
    }
    auto loaded = Model::load(outDir);
    if (!loaded) return loaded.error();
    auto probe = runSinkProbe(**loaded, sequences, kSinkEpsilon);
    if (!probe) return probe.error();

    auto state = readJson(runDir + "/checkpoint/trainer_state.json");
    if (!state) return state.error();
    ExportSummary summary{*probe, state->value("step", std::int64_t{0}),
                          state->value("tokens", std::int64_t{0})};
    json j{{"eps", kSinkEpsilon},
           {"sink_rate", probe->sinkRate},
           {"alpha0", probe->alpha0},
           {"mean_loss", probe->meanLoss},
           {"step", summary.step},
           {"tokens", summary.tokens},
           {"dtype", std::string(dtypeName(dtype))},
           {"sequences", sequences}};
    if (auto s = writeFileAtomically(outDir + "/sink_probe.json", j.dump() + "\n"); !s) return s.error();
    return summary;
}

Result<RecordedProbe> readRecordedProbe(const std::string& modelDir) {
    auto j = readJson(modelDir + "/sink_probe.json");
    if (!j) return j.error();
    try {
        RecordedProbe p;
        p.sequences = j->at("sequences").get<std::vector<std::vector<std::int32_t>>>();
        p.eps = j->at("eps").get<double>();
        p.recorded.sinkRate = j->at("sink_rate").get<double>();
        p.recorded.alpha0 = j->at("alpha0").get<std::vector<std::vector<double>>>();
        p.recorded.meanLoss = j->at("mean_loss").get<double>();
        return p;
    } catch (const json::exception& e) {
        return Error{fmt::format("{}/sink_probe.json: {}", modelDir, e.what())};
    }
}

} // namespace sinkscope

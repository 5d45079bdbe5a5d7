#include "train/checkpoint_files.h"

#include "core/atomic_file.h"
#include "core/read_file.h"
#include "train/train_model.h"

#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope::detail {

namespace fs = std::filesystem;
using nlohmann::json;

Status saveMoments(const std::string& dir, AdamW& opt) {
    std::vector<std::pair<std::string, at::Tensor>> moments;
    const auto& params = opt.params();
    for (std::size_t i = 0; i < params.size(); ++i) {
        moments.emplace_back("m." + params[i].name, opt.firstMoments()[i]);
        moments.emplace_back("v." + params[i].name, opt.secondMoments()[i]);
    }
    return saveTensors(dir + "/optimizer.safetensors", moments);
}

Status loadMoments(const std::string& dir, AdamW& opt) {
    std::vector<std::pair<std::string, at::Tensor*>> moments;
    const auto& params = opt.params();
    for (std::size_t i = 0; i < params.size(); ++i) {
        moments.emplace_back("m." + params[i].name, &opt.firstMoments()[i]);
        moments.emplace_back("v." + params[i].name, &opt.secondMoments()[i]);
    }
    return loadTensorsInto(dir + "/optimizer.safetensors", moments);
}

Status writeTrainerState(const std::string& dir, const TrainerState& s) {
    const json j{
        {"step", s.step}, {"tokens", s.tokens}, {"train_loss_ema", s.lossEma}, {"seconds", s.seconds}};
    return writeFileAtomically(dir + "/trainer_state.json", j.dump(1) + "\n");
}

Result<TrainerState> readTrainerState(const std::string& dir) {
    auto text = readWholeFile(dir + "/trainer_state.json", kConfigFile);
    if (!text) return text.error();
    const json state = json::parse(*text, nullptr, false);
    const auto number = [&](const char* key) { return state.contains(key) && state[key].is_number(); };
    if (!state.is_object() || !state.contains("step") || !state["step"].is_number_integer() ||
        (state.contains("tokens") && !state["tokens"].is_number_integer()) ||
        (state.contains("train_loss_ema") && !number("train_loss_ema")) ||
        (state.contains("seconds") && !number("seconds")))
        return Error{fmt::format("{}/trainer_state.json: not a trainer state", dir)};
    TrainerState s;
    s.step = state["step"];
    s.tokens = state.value("tokens", std::int64_t{0});
    s.lossEma = state.value("train_loss_ema", 0.0);
    s.seconds = state.value("seconds", 0.0);
    return s;
}

Status swapInCheckpoint(const std::string& tmp, const std::string& final) {
    std::error_code ec;
    fs::remove_all(final + ".old", ec);
    if (fs::exists(final)) fs::rename(final, final + ".old", ec);
    fs::rename(tmp, final, ec);
    if (ec) return Error{fmt::format("{}: cannot move the checkpoint into place: {}", final, ec.message())};
    fs::remove_all(final + ".old", ec);
    return okStatus();
}

} // namespace sinkscope::detail

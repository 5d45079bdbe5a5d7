#include "train_vlm_command.h"

#include "cli_common.h"
#include "core/atomic_file.h"
#include "core/read_file.h"
#include "train/shape_pictures.h"
#include "train/vlm_trainer.h"
#include "train_command.h"
#include "vision/png_encode.h"

#include <filesystem>
#include <fmt/format.h>

namespace sinkscope::cli {

namespace {

std::string taskRates(const VlmPoint& p) {
    std::string out;
    for (const auto& [task, rate] : p.exactByTask)
        out += fmt::format("{}{} {:.0f} %", out.empty() ? "" : ", ", task, 100 * rate);
    return out;
}

VlmCallbacks vlmCallbacks() {
    VlmCallbacks cb;
    cb.onMessage = [](const std::string& m) {
        fmt::print("{}\n", m);
        std::fflush(stdout);
    };
    cb.onProgress = [](const TrainProgress& p) {
        fmt::print("step {:>6}/{}  loss {:.4f}  lr {:.2e}  |g| {:.2f}  {:.1f} pictures/s  ETA {}\n", p.step,
                   p.totalSteps, p.trainLoss, p.lr, p.gradNorm, p.tokensPerSecond,
                   durationText(p.etaSeconds));
        std::fflush(stdout);
    };
    cb.onCheckpoint = [](const VlmPoint& p) {
        fmt::print(
            "checkpoint step {:>6}  pictures {:>8}  train {:.4f}  val {:.4f}  exact answers {:.1f} % of {} "
            "({})\n",
            p.step, p.pictures, p.trainLoss, p.valLoss, 100 * p.exactMatch, p.questions, taskRates(p));
        std::fflush(stdout);
    };
    cb.shouldStop = trainingStopRequested;
    return cb;
}

// Held-out scenes as PNG files beside the model, with their questions: what a user opens first.
Status writeSamplePictures(const std::string& runDir, const std::string& outDir, int count) {
    auto text = readWholeFile(runDir + "/recipe.json", kConfigFile);
    if (!text) return text.error();
    auto recipe = parseVlmRecipe(*text, runDir + "/recipe.json");
    if (!recipe) return recipe.error();
    const std::string dir = outDir + "/pictures";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{fmt::format("{}: cannot create: {}", dir, ec.message())};
    std::string list = "# picture<TAB>question<TAB>expected answer (held-out scenes of picture seed " +
                       std::to_string(recipe->valPictureSeed) + ")\n";
    for (int i = 0; i < count; ++i) {
        const ShapeScene scene =
            sceneAt(recipe->valPictureSeed, static_cast<std::uint64_t>(i), recipe->imageSize);
        auto png = encodePng(drawScene(scene));
        if (!png) return png.error();
        const std::string name = fmt::format("scene-{}.png", i);
        if (auto s = writeFileAtomically(dir + "/" + name, *png); !s) return s;
        for (const auto& q : questionsFor(scene))
            list += fmt::format("{}\t{}\t{}\n", name, q.question, q.answer);
    }
    return writeFileAtomically(dir + "/questions.tsv", list);
}

} // namespace

CLI::App* addTrainVlmCommand(CLI::App& app, TrainVlmOptions& o) {
    auto* cmd = app.add_subcommand(
        "train-vlm", "Train the demo vision-language model: a vision tower and projector on procedural "
                     "pictures, in front of a frozen language model");
    cmd->add_option("--run", o.run, "Run directory (checkpoint, timeline, the language model's copy)")
        ->required();
    cmd->add_option("--lm", o.lm, "A new run's language model (a llama-style directory with tokenizer.json)");
    cmd->add_option("--recipe", o.recipe, "Recipe JSON (schedule, vision tower, picture seeds)");
    cmd->add_flag("--resume", o.resume, "Continue the run from its latest checkpoint");
    cmd->add_option("--total-steps", o.totalSteps, "With --resume: extend the run to this many steps");
    cmd->add_option("--export", o.exportTo,
                    "Write the latest checkpoint as a model directory (bf16) with sample pictures, and stop");
    cmd->add_option("--pictures", o.pictures, "Sample pictures --export writes")->check(CLI::Range(0, 1000));
    return cmd;
}

int runTrainVlmCommand(const TrainVlmOptions& o) {
    if (!o.exportTo.empty()) {
        auto point = exportVlmRun(o.run, o.exportTo, DType::BF16);
        if (!point) return fail(point.error().message);
        if (auto s = writeSamplePictures(o.run, o.exportTo, o.pictures); !s) return fail(s.error().message);
        fmt::print("wrote {} (step {}, exact answers {:.1f} % of {} held-out questions: {})\n", o.exportTo,
                   point->step, 100 * point->exactMatch, point->questions, taskRates(*point));
        return 0;
    }
    installTrainingStop();
    if (o.resume) {
        auto s = resumeVlmTraining(o.run, o.totalSteps, vlmCallbacks());
        return s ? 0 : fail(s.error().message);
    }
    if (o.lm.empty()) return fail("train-vlm: a new run needs --lm DIR (the language model to attach to)");
    VlmRecipe recipe;
    if (!o.recipe.empty()) {
        auto text = readWholeFile(o.recipe, kConfigFile);
        if (!text) return fail(text.error().message);
        auto parsed = parseVlmRecipe(*text, o.recipe);
        if (!parsed) return fail(parsed.error().message);
        recipe = *parsed;
    }
    auto s = startVlmTraining(o.run, o.lm, recipe, vlmCallbacks());
    return s ? 0 : fail(s.error().message);
}

} // namespace sinkscope::cli

#include "model_input.h"

#include "cli_common.h"

#include <cstdio>
#include <fmt/format.h>
#include <memory>
#include <unistd.h>

namespace sinkscope::cli {

void addModelInputOptions(CLI::App* cmd, ModelInputOptions& o, bool interventions) {
    cmd->add_option("--model,-m", o.model,
                    "Model directory (config.json + safetensors), .gguf file or llama2.c .bin")
        ->required();
    auto* prompt = cmd->add_option("--prompt,-p", o.prompt,
                                   "Prompt text, or @FILE to read it from a regular file of at most 16 MiB");
    auto* ids = cmd->add_option("--token-ids", o.tokenIds, "Comma-separated token ids fed as they are");
    prompt->excludes(ids);
    ids->excludes(prompt);
    cmd->add_option("--bos", o.bos, "Prepend BOS to --prompt: auto (model's config), yes, no")
        ->check(CLI::IsMember({"auto", "yes", "no"}));
    cmd->add_option(
        "--image", o.image,
        "LLaVA models: a PNG or JPEG put where --prompt has <image> or --token-ids the word image "
        "(1,5,image,7,8)");
    cmd->add_option("--device", o.device, "cpu or cuda (falls back to cpu with a message)");
    addComputeOption(cmd, o.compute);
    if (interventions)
        cmd->add_option("--intervention,-i", o.interventions,
                        "Sink intervention SPEC, repeatable, applied in order (README: Interventions)");
}

void addComputeOption(CLI::App* cmd, std::string& compute) {
    cmd->add_option("--compute", compute,
                    "Precision of the weight products: f32 (exact; BF16/F16 weights stay in their dtype) "
                    "or bf16 (faster where the CPU has bf16 GEMMs, ~1e-2 relative error)")
        ->check(CLI::IsMember({"f32", "bf16"}));
}

Result<std::unique_ptr<Model>> loadModel(const ModelInputOptions& o, bool quiet) {
    if (!quiet && isatty(STDERR_FILENO)) std::fprintf(stderr, "loading %s ...\n", o.model.c_str());
    LoadOptions options{o.device, *parseComputePrecision(o.compute), {}};
    // A big file takes seconds per GB to map and check: a line on a terminal after the first second.
    std::unique_ptr<Progress> line;
    if (!quiet)
        options.progress = [&line](std::int64_t done, std::int64_t total) {
            if (!line) line = std::make_unique<Progress>("loading weights (MiB)");
            line->update(static_cast<int>(done >> 20), static_cast<int>(total >> 20));
            return true;
        };
    auto model = Model::load(o.model, options);
    line.reset();
    if (!model) return model.error();
    for (const auto& n : model.value()->notices())
        std::fprintf(stderr, "note: %s\n", n.c_str());
    return model;
}

Result<std::vector<std::int32_t>> encodeText(const Model& model, const std::string& text,
                                             const std::string& bos, const std::string& what) {
    auto choice = parseBosChoice(bos); // CLI11 has checked the value already
    if (!choice) return choice.error();
    return encodePrompt(model, text, *choice, what, "--token-ids 1,2,3");
}

Result<std::vector<std::int32_t>> promptIds(const Model& model, const ModelInputOptions& o) {
    if (!o.tokenIds.empty()) return parseTokenIds(o.tokenIds);
    if (o.prompt.empty()) return Error{"give --prompt TEXT or --token-ids 1,2,3"};
    auto text = readPromptArgument(o.prompt);
    if (!text) return text.error();
    return encodeText(model, *text, o.bos, "--prompt");
}

Result<ImagePromptIds> promptIdsWithImage(const Model& model, const ModelInputOptions& o) {
    ImagePromptIds out;
    if (o.image.empty()) {
        auto ids = promptIds(model, o);
        if (!ids) return ids.error();
        out.ids = std::move(ids.value());
        return out;
    }
    auto image = loadPromptImage(model, o.model, o.image);
    if (!image) return Error{"--image: " + image.error().message};
    if (!o.tokenIds.empty()) {
        auto word = takeImageWord(o.tokenIds, "--token-ids");
        if (!word) return word.error();
        auto ids = parseTokenIds(word->tokenIds);
        if (!ids) return ids.error();
        out.ids = std::move(ids.value());
        // The image token stands where the word was, then becomes the block.
        out.ids.insert(out.ids.begin() + static_cast<std::ptrdiff_t>(std::min(word->index, out.ids.size())),
                       llavaConfig(model)->imageTokenId);
    } else {
        auto ids = promptIds(model, o);
        if (!ids) return ids.error();
        out.ids = std::move(ids.value());
    }
    auto span = expandImageToken(model, out.ids, image->embeddings.rows,
                                 o.tokenIds.empty() ? "--prompt" : "--token-ids");
    if (!span) return span.error();
    out.span = *span;
    out.image = std::move(image.value());
    return out;
}

Result<Interventions> parseInterventions(const std::vector<std::string>& specs) {
    return parseInterventionList(specs, "--intervention");
}

Result<ModelRun> openModelRun(const ModelInputOptions& o, bool quiet) {
    ModelRun r;
    auto interventions = parseInterventions(o.interventions);
    if (!interventions) return interventions.error();
    r.interventions = std::move(interventions.value());
    auto model = loadModel(o, quiet);
    if (!model) return model.error();
    r.model = std::move(model.value());
    auto ids = promptIdsWithImage(*r.model, o);
    if (!ids) return ids.error();
    r.ids = std::move(ids->ids);
    r.image = std::move(ids->image);
    r.imageSpan = ids->span;
    if (auto st = r.model->checkInterventions(r.interventions, static_cast<std::int64_t>(r.ids.size())); !st)
        return st.error();
    if (auto w = r.model->contextWarning(static_cast<std::int64_t>(r.ids.size())); !w.empty())
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    return r;
}

Result<GenerationOutput> generateWithProgress(const Model& m, const std::vector<std::int32_t>& ids,
                                              const GenerationOptions& g, ForwardObserver* observer,
                                              const Interventions& interventions, const std::string& what,
                                              const ImageEmbeddings* image) {
    Progress progress(what);
    return generatePrompt(
        m, ids, image, g, observer,
        [&](int done, int total) {
            progress.update(done, total);
            return true;
        },
        interventions);
}

std::string printable(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '\n')
            out += "\\n";
        else if (ch == '\t')
            out += "\\t";
        else if (ch == '\r')
            out += "\\r";
        else if (static_cast<unsigned char>(ch) < 0x20)
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(ch));
        else
            out += ch;
    }
    return out;
}

} // namespace sinkscope::cli

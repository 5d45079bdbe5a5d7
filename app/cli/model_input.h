#pragma once
// What every model-running subcommand shares: --model/--device, the prompt given as text or token
// ids, --intervention specs, loading with notices, and printing tokens safely.
#include "core/result.h"
#include "model/model.h"
#include "session/image_prompt.h"
#include "session/prompt_input.h" // tokenText, decodeIds: shared with the desktop app

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope::cli {

struct ModelInputOptions {
    std::string model;
    std::string device = "cpu";
    std::string compute = "f32";
    std::string prompt;
    std::string tokenIds;
    std::string bos = "auto";
    std::vector<std::string> interventions;
    std::string image; // LLaVA models: a picture at <image> in --prompt or the word image in --token-ids
};

// Adds --model, --device, --prompt, --token-ids, --bos, --image; with `interventions`, also the
// repeatable --intervention.
void addModelInputOptions(CLI::App* cmd, ModelInputOptions& o, bool interventions);
// --compute f32|bf16 (the LoadOptions precision), for commands that take their own model options.
void addComputeOption(CLI::App* cmd, std::string& compute);

// Loads the model and prints its notices on stderr.
Result<std::unique_ptr<Model>> loadModel(const ModelInputOptions& o, bool quiet);

// The prompt as token ids: --token-ids as given, or --prompt (text or @file) through the tokenizer
// (session/prompt_input.h does the encoding for both front-ends).
Result<std::vector<std::int32_t>> promptIds(const Model& model, const ModelInputOptions& o);
Result<std::vector<std::int32_t>> encodeText(const Model& model, const std::string& text,
                                             const std::string& bos, const std::string& what);

// Parses every --intervention SPEC.
Result<Interventions> parseInterventions(const std::vector<std::string>& specs);

// What run, compare and trace start from: the parsed interventions, the loaded model and the
// prompt's ids, the interventions checked against both.
struct ModelRun {
    Interventions interventions;
    std::unique_ptr<Model> model;
    std::vector<std::int32_t> ids;    // with --image: the image block expanded
    std::optional<PromptImage> image; // --image
    ImageSpan imageSpan;              // the image block's positions in ids
    const ImageEmbeddings* embeddings() const { return image ? &image->embeddings : nullptr; }
};
Result<ModelRun> openModelRun(const ModelInputOptions& o, bool quiet);

// The prompt's ids with --image's picture put where --prompt has <image> or --token-ids the word
// image (the block expanded); without --image, promptIds.
struct ImagePromptIds {
    std::vector<std::int32_t> ids;
    std::optional<PromptImage> image;
    ImageSpan span;
};
Result<ImagePromptIds> promptIdsWithImage(const Model& model, const ModelInputOptions& o);

// Model::generate (with the picture when there is one) with a progress line on stderr labelled `what`.
Result<GenerationOutput> generateWithProgress(const Model& m, const std::vector<std::int32_t>& ids,
                                              const GenerationOptions& g, ForwardObserver* observer,
                                              const Interventions& interventions, const std::string& what,
                                              const ImageEmbeddings* image = nullptr);

// Escapes control characters so a token like "\n" stays on its line in a table.
std::string printable(const std::string& s);

} // namespace sinkscope::cli

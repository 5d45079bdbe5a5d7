#include "session/image_prompt.h"

#include "core/excerpt.h"
#include "model/observer_tools.h"
#include "vision/image_preprocess.h"
#include "vision/image_processor_config.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace sinkscope {

namespace fs = std::filesystem;

Result<ImageWord> takeImageWord(const std::string& tokenIds, std::string_view what) {
    ImageWord out;
    std::size_t count = 0, index = 0, start = 0;
    std::vector<std::string> kept;
    while (start <= tokenIds.size()) {
        const std::size_t comma = std::min(tokenIds.find(',', start), tokenIds.size());
        std::string item = tokenIds.substr(start, comma - start);
        const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
        if (item == "image") {
            ++count;
            out.index = index;
        } else {
            kept.push_back(item);
            ++index;
        }
        start = comma + 1;
    }
    if (count != 1)
        return Error{fmt::format(
            "{} must hold the word image once, where the picture goes (found it {} times in '{}')", what,
            count, excerpt(tokenIds))};
    for (std::size_t i = 0; i < kept.size(); ++i)
        out.tokenIds += (i ? "," : "") + kept[i];
    return out;
}

Result<PromptImage> loadPromptImage(const Model& model, const std::string& modelPath,
                                    const std::string& imagePath) {
    const LlavaConfig* llava = llavaConfig(model);
    if (!llava)
        return Error{fmt::format("{} is a text-only model (model_type {}); only LLaVA models take an image",
                                 modelPath, model.config().modelType)};
    std::error_code ec;
    const fs::path dir =
        fs::is_directory(modelPath, ec) ? fs::path(modelPath) : fs::path(modelPath).parent_path();
    const fs::path processor = dir / "preprocessor_config.json";
    if (!fs::exists(processor, ec))
        return Error{fmt::format("{} has no preprocessor_config.json, so how to prepare a picture for its "
                                 "vision tower is unknown",
                                 dir.string())};
    auto config = loadImageProcessorConfig(processor.string());
    if (!config) return config.error();
    auto rgb = decodeImage(imagePath);
    if (!rgb) return rgb.error();
    auto pixels = preprocessImage(*rgb, *config);
    if (!pixels) return Error{fmt::format("{}: {}", imagePath, pixels.error().message)};
    auto embeddings =
        encodeImage(model, ImageInput{pixels->data, pixels->channels, pixels->height, pixels->width});
    if (!embeddings) return Error{fmt::format("{}: {}", imagePath, embeddings.error().message)};
    PromptImage out;
    out.path = imagePath;
    out.embeddings = std::move(embeddings.value());
    out.picture = std::move(pixels->picture);
    const VisionConfig& v = llava->vision;
    out.gridRows = out.gridCols = v.patchSize > 0 ? v.imageSize / v.patchSize : 0;
    out.leadingTokens = static_cast<int>(
        std::max<std::int64_t>(0, out.embeddings.rows - std::int64_t{out.gridRows} * out.gridCols));
    return out;
}

Result<ImageSpan> expandImageToken(const Model& model, std::vector<std::int32_t>& ids, std::int64_t rows,
                                   std::string_view what) {
    const LlavaConfig* llava = llavaConfig(model);
    if (!llava)
        return Error{fmt::format("{}: the model ({}) takes no image: only LLaVA models do", what,
                                 model.config().modelType)};
    const auto n = std::count(ids.begin(), ids.end(), llava->imageTokenId);
    if (n == 0)
        return Error{fmt::format("{}: the prompt has no image token (id {}): put <image> in the text, or the "
                                 "word image in a list of ids, where the picture goes",
                                 what, llava->imageTokenId)};
    if (n > 1)
        return Error{fmt::format("{}: the prompt has {} image tokens (id {}); one picture takes one <image>",
                                 what, n, llava->imageTokenId)};
    const auto at = std::find(ids.begin(), ids.end(), llava->imageTokenId) - ids.begin();
    ids.insert(ids.begin() + at, static_cast<std::size_t>(std::max<std::int64_t>(rows - 1, 0)),
               llava->imageTokenId);
    if (rows == 0) ids.erase(ids.begin() + at);
    return ImageSpan{at, at + rows - 1};
}

ImageSpan imageSpanOf(const Model& model, const std::vector<std::int32_t>& ids) {
    const LlavaConfig* llava = llavaConfig(model);
    if (!llava) return {};
    const auto first = std::find(ids.begin(), ids.end(), llava->imageTokenId);
    if (first == ids.end()) return {};
    const auto last = std::find(ids.rbegin(), ids.rend(), llava->imageTokenId);
    return ImageSpan{first - ids.begin(), static_cast<std::int64_t>(ids.rend() - last) - 1};
}

Result<VisualSinks> measureVisualSinks(const Model& model, const std::vector<std::int32_t>& ids,
                                       const ImageEmbeddings& image, double tau) {
    const ImageSpan span = imageSpanOf(model, ids);
    if (span.last < span.first) return Error{"the prompt holds no image tokens"};
    HiddenStateRecorder states(model.config().nLayers + 1);
    auto out = forwardWithImage(model, ids, image, &states);
    if (!out) return out.error();
    return visualSinks(states.states(), span.first, span.last, tau);
}

} // namespace sinkscope

#include "image_prompt.h"

#include "core/excerpt.h"
#include "vision/image_decode.h"
#include "vision/image_preprocess.h"
#include "vision/image_processor_config.h"

#include <filesystem>
#include <fmt/format.h>

namespace sinkscope::cli {

namespace fs = std::filesystem;

Result<ImageWord> takeImageWord(const std::string& tokenIds) {
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
        return Error{
            fmt::format("--token-ids must hold the word image once, where the picture goes (found it {} "
                        "times in '{}')",
                        count, excerpt(tokenIds))};
    for (std::size_t i = 0; i < kept.size(); ++i)
        out.tokenIds += (i ? "," : "") + kept[i];
    return out;
}

Result<ImagePrompt> prepareImagePrompt(const Model& model, const std::string& modelPath,
                                       const std::string& imagePath, std::vector<std::int32_t>& ids,
                                       std::size_t index) {
    const LlavaConfig* llava = llavaConfig(model);
    if (!llava)
        return Error{
            fmt::format("--image: {} is a text-only model (model_type {}); only LLaVA models take an image",
                        modelPath, model.config().modelType)};
    std::error_code ec;
    const fs::path dir =
        fs::is_directory(modelPath, ec) ? fs::path(modelPath) : fs::path(modelPath).parent_path();
    const fs::path processor = dir / "preprocessor_config.json";
    if (!fs::exists(processor, ec))
        return Error{
            fmt::format("--image: {} has no preprocessor_config.json, so how to prepare a picture for its "
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
    ImagePrompt out;
    out.embeddings = std::move(embeddings.value());
    index = std::min(index, ids.size());
    ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(index),
               static_cast<std::size_t>(out.embeddings.rows), llava->imageTokenId);
    out.first = static_cast<std::int64_t>(index);
    out.last = out.first + out.embeddings.rows - 1;
    return out;
}

} // namespace sinkscope::cli

// Training recipes (`sinkscope-cli train --recipe`, `train-vlm --recipe`): a language-model recipe
// and a picture-model recipe from the same bytes. What a parser accepts must write back to JSON that
// parses to the same recipe.
#include "fuzz_support.h"
#include "targets.h"
#include "train/train_config.h"
#include "train/vlm_recipe.h"

#include <cstdlib>
#include <string>

namespace sinkscope::fuzz {

Outcome trainRecipe(const std::uint8_t* data, std::size_t size) {
    const std::string text(asText(data, size));
    auto lm = parseTrainConfig(text, "/runs/recipe.json");
    if (lm) {
        auto again = parseTrainConfig(trainConfigToJson(*lm), "again");
        if (!again || trainConfigToJson(*again) != trainConfigToJson(*lm)) std::abort();
    }
    auto vlm = parseVlmRecipe(text, "/runs/picture.json");
    if (!vlm) {
        if (lm) return std::nullopt;
        return vlm.error().message;
    }
    auto again = parseVlmRecipe(vlmRecipeToJson(*vlm), "again");
    if (!again || vlmRecipeToJson(*again) != vlmRecipeToJson(*vlm)) std::abort();
    // The recipe's pictures can be drawn: the tower's size passed the parser's checks.
    if (vlm->imageSize % vlm->patchSize != 0 || vlm->dModel % vlm->heads != 0) std::abort();
    return std::nullopt;
}

} // namespace sinkscope::fuzz

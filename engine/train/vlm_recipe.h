#pragma once
// The recipe of the demo vision-language model: the optimiser and schedule (a TrainConfig, whose
// architecture fields are unused: the language model is an existing one, frozen), the vision
// tower's shape and the seeds of the procedural pictures. Read from and written to JSON so a run
// is reproducible from its recipe.
#include "core/result.h"
#include "io/llava_config.h"
#include "train/train_config.h"

#include <cstdint>
#include <string>

namespace sinkscope {

struct VlmRecipe {
    TrainConfig schedule;
    int imageSize = 64, patchSize = 8;
    int dModel = 128, dFf = 512, layers = 3, heads = 4;
    std::uint64_t pictureSeed = 7;    // training scenes
    std::uint64_t valPictureSeed = 8; // held-out scenes (validation loss and answer accuracy)

    // The LLaVA config of the model this recipe trains; its image token is imageTokenId.
    LlavaConfig llavaConfig(std::int32_t imageTokenId) const;
};

// {"schedule": {TrainConfig fields}, "vision": {"image_size", "patch_size", "hidden_size",
// "intermediate_size", "layers", "heads"}, "pictures": {"seed", "val_seed"}, "comment"}.
Result<VlmRecipe> parseVlmRecipe(const std::string& jsonText, const std::string& source);
std::string vlmRecipeToJson(const VlmRecipe& r);

} // namespace sinkscope

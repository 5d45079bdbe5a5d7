#pragma once
// A picture in a LLaVA prompt, for both front-ends: the file decoded and preprocessed as the model's
// preprocessor_config.json says, encoded by the vision tower, and its block of image tokens put
// where the prompt marks it: `<image>` in text (the tokenizer's image token), the word `image` in a
// token-id list (`1,5,image,7,8`, the CLI's --token-ids and the prompt box's "ids: ...").
#include "core/result.h"
#include "metrics/visual_sinks.h"
#include "model/image_input.h"
#include "model/model.h"
#include "vision/image_decode.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// A token-id list without its one `image` word, and the index the word had among the ids.
struct ImageWord {
    std::string tokenIds;
    std::size_t index = 0;
};
Result<ImageWord> takeImageWord(const std::string& tokenIds, std::string_view what = "the token ids");

// A picture ready for one model.
struct PromptImage {
    std::string path;
    ImageEmbeddings embeddings; // one row per image token
    RgbImage picture;           // what the tower saw: resized and cropped, 8-bit
    // The image tokens as a grid over the picture: `leadingTokens` tokens that are no patch (CLIP's
    // class token under "full"), then gridRows x gridCols patches in row-major order.
    int gridRows = 0, gridCols = 0, leadingTokens = 0;
};

// Refuses a text-only model and a model directory without preprocessor_config.json; errors name
// the file. `modelPath` is the model as the user gave it (directory or file inside it).
Result<PromptImage> loadPromptImage(const Model& model, const std::string& modelPath,
                                    const std::string& imagePath);

// Replaces the prompt's one image token (the model's image_token_index) by the image's block of
// rows tokens; returns the block's first and last position. Errors (prefixed with `what`): a
// text-only model, no image token (the text lacks `<image>`, or the tokenizer does not know it),
// more than one.
struct ImageSpan {
    std::int64_t first = 0, last = -1;
};
Result<ImageSpan> expandImageToken(const Model& model, std::vector<std::int32_t>& ids, std::int64_t rows,
                                   std::string_view what);

// The image block of a prompt that holds one (its image tokens), or an empty span.
ImageSpan imageSpanOf(const Model& model, const std::vector<std::int32_t>& ids);

// The visual sink tokens of a LLaVA prompt on its unmodified run (metrics/visual_sinks.h): the
// residual stream of one pass, its sink dimensions and, per layer, token 0 and the image tokens with
// phi >= tau (tau <= 0: the default).
Result<VisualSinks> measureVisualSinks(const Model& model, const std::vector<std::int32_t>& ids,
                                       const ImageEmbeddings& image, double tau = 0);

} // namespace sinkscope

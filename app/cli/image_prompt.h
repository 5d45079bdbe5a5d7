#pragma once
// `--image FILE` for LLaVA models: the picture decoded and preprocessed as the model's
// preprocessor_config.json says, encoded by the vision tower, and its block of image tokens put
// where --token-ids has the word `image` (`--token-ids 1,5,image,7,8`).
#include "core/result.h"
#include "model/image_input.h"
#include "model/model.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope::cli {

// --token-ids without its one `image` word, and the index the word had among the ids.
struct ImageWord {
    std::string tokenIds;
    std::size_t index = 0;
};
Result<ImageWord> takeImageWord(const std::string& tokenIds);

struct ImagePrompt {
    ImageEmbeddings embeddings;
    std::int64_t first = 0, last = 0; // the image tokens' positions in the prompt
    // Per layer and head, the text queries' attention mass on the image (session/visual_share.h),
    // filled by the run.
    std::vector<std::vector<double>> visualShare;
};

// Refuses a text-only model and a model directory without preprocessor_config.json; otherwise
// inserts image_seq_length image tokens into ids at `index` and encodes the picture.
Result<ImagePrompt> prepareImagePrompt(const Model& model, const std::string& modelPath,
                                       const std::string& imagePath, std::vector<std::int32_t>& ids,
                                       std::size_t index);

} // namespace sinkscope::cli

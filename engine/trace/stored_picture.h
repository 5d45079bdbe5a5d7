#pragma once
// The picture of a LLaVA run as a trace keeps it, in the run's settings under "image": the file it
// came from, where its block of image tokens sits, its patch grid, the visual sink tokens per layer
// and a thumbnail of what the vision tower saw (PNG, base64, longer side at most kThumbnailSide),
// so that a stored run shows its picture again without the model. The reader trusts nothing: a
// trace file can come from anywhere.
#include "core/result.h"
#include "vision/image_decode.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

inline constexpr int kThumbnailSide = 160;

struct StoredPicture {
    std::string path;
    std::int64_t first = 0, last = -1;
    int gridRows = 0, gridCols = 0, leadingTokens = 0;
    std::vector<std::vector<std::int64_t>> visualSinks; // per layer, image tokens only
    RgbImage thumbnail;
};

// The settings object for a picture (thumbnail made from `picture`).
Result<nlohmann::json> pictureSettings(const StoredPicture& meta, const RgbImage& picture);

// settings["image"] of a run with `tokens` tokens and `layers` layers: nullopt when the run has no
// picture; an error (one line) when what is there does not hold together.
Result<std::optional<StoredPicture>> readStoredPicture(std::string_view settingsJson, std::int64_t tokens,
                                                       int layers);

} // namespace sinkscope

#include "trace/stored_picture.h"

#include "core/base64.h"
#include "vision/png_encode.h"

#include <fmt/format.h>

namespace sinkscope {

Result<nlohmann::json> pictureSettings(const StoredPicture& meta, const RgbImage& picture) {
    auto png = encodePng(shrinkImage(picture, kThumbnailSide));
    if (!png) return png.error();
    return nlohmann::json{{"path", meta.path},
                          {"positions", {meta.first, meta.last}},
                          {"grid", {meta.gridRows, meta.gridCols}},
                          {"leading_tokens", meta.leadingTokens},
                          {"visual_sinks", meta.visualSinks},
                          {"thumbnail_png", base64Encode(*png)}};
}

Result<std::optional<StoredPicture>> readStoredPicture(std::string_view settingsJson, std::int64_t tokens,
                                                       int layers) {
    const auto settings = nlohmann::json::parse(settingsJson, nullptr, false);
    if (!settings.is_object() || !settings.contains("image")) return std::optional<StoredPicture>{};
    const auto& j = settings["image"];
    auto bad = [](const std::string& what) { return Error{"the run's picture: " + what}; };
    if (!j.is_object()) return bad("settings.image is not an object");
    StoredPicture p;
    const auto pos = j.value("positions", nlohmann::json());
    const auto grid = j.value("grid", nlohmann::json());
    if (!pos.is_array() || pos.size() != 2 || !pos[0].is_number_integer() || !pos[1].is_number_integer())
        return bad("positions is not [first, last]");
    if (!grid.is_array() || grid.size() != 2 || !grid[0].is_number_integer() || !grid[1].is_number_integer())
        return bad("grid is not [rows, cols]");
    p.first = pos[0].get<std::int64_t>();
    p.last = pos[1].get<std::int64_t>();
    const auto rows = grid[0].get<std::int64_t>(), cols = grid[1].get<std::int64_t>();
    const auto leading = j.value("leading_tokens", nlohmann::json(0));
    if (!leading.is_number_integer()) return bad("leading_tokens is not a count");
    const auto lead = leading.get<std::int64_t>();
    if (p.first < 0 || p.last >= tokens || p.last < p.first)
        return bad(fmt::format("positions {}-{} do not lie in the run's {} tokens", p.first, p.last, tokens));
    if (rows < 1 || cols < 1 || lead < 0 || rows > 4096 || cols > 4096 ||
        lead + rows * cols != p.last - p.first + 1)
        return bad(fmt::format("a {}x{} grid with {} leading tokens is not the block of {} tokens", rows,
                               cols, lead, p.last - p.first + 1));
    p.gridRows = static_cast<int>(rows);
    p.gridCols = static_cast<int>(cols);
    p.leadingTokens = static_cast<int>(lead);
    if (j.contains("path") && j["path"].is_string()) p.path = j["path"].get<std::string>();
    if (const auto s = j.value("visual_sinks", nlohmann::json::array()); s.is_array()) {
        if (s.size() > static_cast<std::size_t>(std::max(layers, 0)))
            return bad("more visual-sink layers than layers");
        for (const auto& layer : s) {
            if (!layer.is_array()) return bad("visual_sinks is not a list per layer");
            std::vector<std::int64_t> tokensOf;
            for (const auto& t : layer) {
                if (!t.is_number_integer() || t.get<std::int64_t>() < p.first ||
                    t.get<std::int64_t>() > p.last)
                    return bad("a visual sink token outside the picture's block");
                tokensOf.push_back(t.get<std::int64_t>());
            }
            p.visualSinks.push_back(std::move(tokensOf));
        }
    }
    if (!j.contains("thumbnail_png") || !j["thumbnail_png"].is_string()) return bad("no thumbnail");
    auto png = base64Decode(j["thumbnail_png"].get_ref<const std::string&>());
    if (!png) return bad(png.error().message);
    DecodeLimits limits;
    limits.maxSide = 4 * kThumbnailSide; // a thumbnail, never a photograph
    limits.maxPixels = std::int64_t{limits.maxSide} * limits.maxSide;
    auto image = decodeImageBytes(*png, "thumbnail", limits);
    if (!image) return bad(image.error().message);
    p.thumbnail = std::move(image.value());
    return std::optional<StoredPicture>(std::move(p));
}

} // namespace sinkscope

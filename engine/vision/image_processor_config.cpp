// Defaults and key handling follow transformers' CLIPImageProcessor.__init__ / preprocess
// (models/clip/image_processing_clip.py) and SiglipImageProcessor (models/siglip/
// image_processing_siglip.py), with get_size_dict (image_processing_utils.py) for the size forms.
#include "vision/image_processor_config.h"

#include "core/json_parse.h"
#include "core/read_file.h"

#include <cmath>
#include <fmt/format.h>

namespace sinkscope {

namespace {

using nlohmann::json;

// Sizes past this are no image a vision tower reads (CLIP uses 224 or 336, SigLIP 224 to 512).
constexpr int kMaxProcessorSide = 8192;

struct Reader {
    const json& doc;
    const std::string& source;
    std::string error;

    bool fail(const std::string& field, const json& value, const std::string& expected) {
        if (error.empty())
            error = fmt::format("{}: {}: {} expected, got {}", source, field, expected, jsonExcerpt(value));
        return false;
    }
    const json* find(const char* field) const {
        auto it = doc.find(field);
        return it == doc.end() ? nullptr : &*it;
    }
    // A null flag reads as false, as Python's `if do_resize:` reads None.
    void flag(const char* field, bool& out) {
        const json* v = find(field);
        if (v == nullptr) return;
        if (v->is_null())
            out = false;
        else if (v->is_boolean())
            out = v->get<bool>();
        else
            fail(field, *v, "true or false");
    }
    bool side(const std::string& field, const json& v, int& out) {
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > kMaxProcessorSide)
            return fail(field, v, fmt::format("a whole number of pixels from 1 to {}", kMaxProcessorSide));
        out = static_cast<int>(v.get<long long>());
        return true;
    }
    // {"height": h, "width": w}, or a plain number n meaning n x n (get_size_dict with
    // default_to_square=True). shortest != nullptr also admits {"shortest_edge": n} and reads a
    // plain number as that instead (default_to_square=False).
    void size(const char* field, int& height, int& width, int* shortest) {
        const json* v = find(field);
        if (v == nullptr || v->is_null()) return;
        const std::string name = field;
        if (v->is_number()) {
            if (shortest != nullptr) {
                side(name, *v, *shortest);
            } else if (side(name, *v, height)) {
                width = height;
            }
            return;
        }
        if (v->is_object() && shortest != nullptr && v->contains("shortest_edge") && v->size() == 1) {
            side(name + ".shortest_edge", v->at("shortest_edge"), *shortest);
            return;
        }
        if (v->is_object() && v->contains("height") && v->contains("width") && v->size() == 2) {
            if (side(name + ".height", v->at("height"), height) &&
                side(name + ".width", v->at("width"), width) && shortest != nullptr)
                *shortest = 0;
            return;
        }
        fail(name, *v,
             shortest != nullptr ? "{\"shortest_edge\": n} or {\"height\": h, \"width\": w}"
                                 : "{\"height\": h, \"width\": w} or a number");
    }
    // A number for all three channels, or one per channel (transformers' normalize).
    void perChannel(const char* field, std::array<double, 3>& out, bool nonZero) {
        const json* v = find(field);
        if (v == nullptr || v->is_null()) return;
        const char* expected =
            nonZero ? "a non-zero finite number or a list of 3" : "a finite number or a list of 3";
        auto number = [&](const json& x, double& d) {
            if (!x.is_number() || !std::isfinite(x.get<double>()) || (nonZero && x.get<double>() == 0.0))
                return false;
            d = x.get<double>();
            return true;
        };
        double d = 0;
        if (v->is_number()) {
            if (!number(*v, d)) return void(fail(field, *v, expected));
            out = {d, d, d};
            return;
        }
        if (!v->is_array() || v->size() != 3) return void(fail(field, *v, expected));
        std::array<double, 3> values{};
        for (std::size_t c = 0; c < 3; ++c)
            if (!number((*v)[c], values[c])) return void(fail(field, *v, expected));
        out = values;
    }
};

Result<ImageProcessorKind> kindOf(const json& doc, const std::string& source, std::string& typeName) {
    const auto type = doc.find("image_processor_type");
    const auto legacy = doc.find("feature_extractor_type");
    const json* name = type != doc.end() ? &*type : legacy != doc.end() ? &*legacy : nullptr;
    if (name == nullptr)
        return Error{source +
                     ": image_processor_type: missing (CLIPImageProcessor or SiglipImageProcessor expected)"};
    if (!name->is_string())
        return Error{
            fmt::format("{}: image_processor_type: a string expected, got {}", source, jsonExcerpt(*name))};
    typeName = name->get<std::string>();
    // The Fast variants load as the PIL-based classes too (AutoImageProcessor with use_fast=False).
    if (typeName == "CLIPImageProcessor" || typeName == "CLIPImageProcessorFast" ||
        typeName == "CLIPFeatureExtractor")
        return ImageProcessorKind::Clip;
    if (typeName == "SiglipImageProcessor" || typeName == "SiglipImageProcessorFast")
        return ImageProcessorKind::Siglip;
    return Error{fmt::format("{}: image_processor_type: {} is not supported (CLIPImageProcessor or "
                             "SiglipImageProcessor expected)",
                             source, jsonExcerpt(*name))};
}

} // namespace

Result<ImageProcessorConfig> parseImageProcessorConfig(std::string_view text, const std::string& source) {
    auto parsed = parseJson(text, source);
    if (!parsed) return parsed.error();
    const json& doc = *parsed;
    if (!doc.is_object()) return Error{source + ": a JSON object expected, got " + jsonExcerpt(doc)};
    ImageProcessorConfig c;
    auto kind = kindOf(doc, source, c.typeName);
    if (!kind) return kind.error();
    c.kind = *kind;
    if (c.kind == ImageProcessorKind::Siglip) {
        c.shortestEdge = 0;
        c.doCenterCrop = false;
        c.imageMean = {0.5, 0.5, 0.5}; // IMAGENET_STANDARD_MEAN / _STD
        c.imageStd = {0.5, 0.5, 0.5};
    }
    Reader r{doc, source, {}};
    r.flag("do_resize", c.doResize);
    int ignoredShortest = 0;
    r.size("size", c.height, c.width,
           c.kind == ImageProcessorKind::Clip ? &c.shortestEdge : &ignoredShortest);
    if (c.kind == ImageProcessorKind::Siglip && ignoredShortest != 0 && r.error.empty())
        r.fail("size", doc.at("size"),
               "{\"height\": h, \"width\": w} (SiglipImageProcessor resizes to a fixed size)");
    if (const json* v = r.find("resample"); v != nullptr && !v->is_null() && *v != json(3))
        r.fail("resample", *v, "3 (PIL bicubic, the only filter implemented)");
    if (c.kind == ImageProcessorKind::Clip) {
        r.flag("do_center_crop", c.doCenterCrop);
        r.size("crop_size", c.cropHeight, c.cropWidth, nullptr);
    }
    r.flag("do_rescale", c.doRescale);
    if (const json* v = r.find("rescale_factor"); v != nullptr && !v->is_null()) {
        if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() <= 0)
            r.fail("rescale_factor", *v, "a positive finite number");
        else
            c.rescaleFactor = v->get<double>();
    }
    r.flag("do_normalize", c.doNormalize);
    r.perChannel("image_mean", c.imageMean, false);
    r.perChannel("image_std", c.imageStd, true);
    r.flag("do_convert_rgb", c.doConvertRgb);
    if (!r.error.empty()) return Error{r.error};
    return c;
}

Result<ImageProcessorConfig> loadImageProcessorConfig(const std::string& path) {
    auto text = readWholeFile(path, kConfigFile);
    if (!text) return text.error();
    return parseImageProcessorConfig(*text, path);
}

} // namespace sinkscope

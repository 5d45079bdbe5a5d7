#include "io/model_entry.h"

#include "core/read_file.h"
#include "io/gguf_file_type.h"
#include "io/gguf_model.h"
#include "io/gguf_reader.h"
#include "io/llama2c_checkpoint.h"
#include "io/llava_weights.h"
#include "io/pickle_guard.h"
#include "io/weight_spec.h"

#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace fs = std::filesystem;

namespace {

std::uint64_t sizeOf(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec); // follows symlinks into the HF cache's blobs/
    return ec ? 0 : n;
}

// What a supported model's config says about it, for listings.
void describeConfig(const ModelConfig& c, ModelEntry& e) {
    e.parameters = parameterCount(c);
    e.family = familyName(c.family);
    auto features = modelFeatures(c);
    e.features.insert(e.features.end(), features.begin(), features.end());
    e.supported = true;
}

// model_type as written, for naming an architecture that parseHfConfig refuses.
std::string peekModelType(const fs::path& config) {
    auto text = readWholeFile(config.string(), kConfigFile);
    if (!text) return {};
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("model_type") || !j["model_type"].is_string()) return {};
    return j["model_type"].get<std::string>();
}

// Bytes of the weight files of a Hugging Face directory: safetensors (every shard), else the
// pickles that are there instead.
std::uint64_t hfWeightBytes(const fs::path& dir, bool& onlyPickles) {
    std::uint64_t safetensors = 0, pickles = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto ext = it->path().extension();
        if (ext == ".safetensors") safetensors += sizeOf(it->path());
        if (ext == ".bin" || ext == ".pt" || ext == ".pth") pickles += sizeOf(it->path());
    }
    onlyPickles = safetensors == 0 && pickles > 0;
    return safetensors > 0 ? safetensors : pickles;
}

void inspectHfDirectory(const fs::path& dir, ModelEntry& e) {
    bool onlyPickles = false;
    e.weightBytes = hfWeightBytes(dir, onlyPickles);
    if (!onlyPickles) e.format = ModelFormat::HfSafetensors;
    // Opening maps the safetensors and checks every tensor header against the config; it reads
    // no weight, so it is cheap, and it is exactly the check a later open makes.
    auto files = openModelFiles(dir.string());
    if (!files) {
        e.architecture = peekModelType(dir / "config.json");
        e.reason = files.error().message;
        return;
    }
    e.architecture = files->config.modelType;
    describeConfig(files->config, e);
    if (files->llava) {
        // The listing names the whole model: a LLaVA checkpoint, its tower and projector counted too.
        const LlavaConfig& l = *files->llava;
        e.architecture = "llava";
        if (e.parameters) *e.parameters += llavaParameterCount(l, files->config.dModel);
        e.features.insert(e.features.begin(),
                          fmt::format("image {} tokens ({})", l.imageTokens(),
                                      l.vision.tower == VisionTower::Siglip ? "SigLIP" : "CLIP"));
    }
}

void inspectGguf(const fs::path& file, ModelEntry& e) {
    e.format = ModelFormat::Gguf;
    e.weightBytes = sizeOf(file);
    auto gguf = GgufFile::open(file.string());
    if (!gguf) {
        e.reason = gguf.error().message;
        return;
    }
    if (const GgufValue* arch = gguf->find("general.architecture"))
        e.architecture = std::string(arch->asString().value_or(""));
    // Known from the tensor infos alone, so also listed for a file SinkScope cannot run.
    e.quantization = ggufQuantization(gguf.value());
    if (!e.quantization.empty()) e.features.push_back(e.quantization);
    auto config = readGgufModelConfig(gguf.value());
    if (!config) {
        e.reason = config.error().message;
        return;
    }
    describeConfig(config.value(), e);
}

void inspectLlama2c(const fs::path& file, ModelEntry& e) {
    e.weightBytes = sizeOf(file);
    if (looksLikePickle(file.string())) {
        e.reason = pickleRefusal(file.string()).message;
        return;
    }
    e.format = ModelFormat::Llama2c;
    auto config = readLlama2cConfig(file.string());
    if (!config) {
        e.reason = config.error().message;
        return;
    }
    e.architecture = config->modelType;
    describeConfig(config.value(), e);
}

} // namespace

ModelEntry inspectModel(const std::string& path, ModelSource source) {
    ModelEntry e;
    e.source = source;
    e.path = path;
    fs::path p = fs::path(path).lexically_normal();
    if (!p.has_filename()) p = p.parent_path(); // "dir/"
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        e.name = p.filename().string();
        if (fs::exists(p / "config.json", ec))
            inspectHfDirectory(p, e);
        else
            e.reason = path + ": no config.json (not a Hugging Face model directory)";
        return e;
    }
    e.name = p.stem().string();
    if (!fs::exists(p, ec)) {
        e.reason = path + ": no such file or directory";
        return e;
    }
    if (p.extension() == ".gguf")
        inspectGguf(p, e);
    else
        inspectLlama2c(p, e);
    return e;
}

const char* modelSourceId(ModelSource s) {
    switch (s) {
    case ModelSource::Bundled:
        return "bundled";
    case ModelSource::HfCache:
        return "hf-cache";
    case ModelSource::User:
        return "user";
    }
    return "unknown";
}

const char* modelFormatId(ModelFormat f) {
    switch (f) {
    case ModelFormat::HfSafetensors:
        return "safetensors";
    case ModelFormat::Gguf:
        return "gguf";
    case ModelFormat::Llama2c:
        return "llama2c";
    }
    return "unknown";
}

} // namespace sinkscope

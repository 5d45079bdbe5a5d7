#include "io/model_directory.h"

#include "core/read_file.h"
#include "io/gguf_model.h"
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

bool hasExtension(const fs::path& p, std::initializer_list<const char*> exts) {
    const auto e = p.extension().string();
    for (const char* x : exts)
        if (e == x) return true;
    return false;
}

// tokenizer_config.json's add_bos_token, when present, overrides the family default. A missing
// file is normal; one that cannot be read (a FIFO, far too large) is refused, as the tokenizer
// loader would refuse it later.
Status applyTokenizerConfig(const fs::path& dir, ModelConfig& c) {
    const fs::path path = dir / "tokenizer_config.json";
    std::error_code ec;
    if (!fs::exists(path, ec)) return okStatus();
    auto text = readWholeFile(path.string(), kConfigFile);
    if (!text) return text.error();
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains("add_bos_token") && j["add_bos_token"].is_boolean())
        c.addBos = j["add_bos_token"].get<bool>() && c.bosId.has_value();
    return okStatus();
}

Result<ModelFiles> openHf(const fs::path& dir, const fs::path& weightsFile) {
    auto config = loadHfConfig((dir / "config.json").string());
    if (!config) return config.error();
    ModelFiles m;
    m.format = ModelFormat::HfSafetensors;
    m.directory = dir.string();
    m.weightsPath = weightsFile.string();
    m.config = config.value();
    if (auto s = applyTokenizerConfig(dir, m.config); !s) return s.error();
    auto store = weightsFile.filename().string().ends_with(".index.json")
                     ? WeightStore::openShardIndex(weightsFile.string())
                     : WeightStore::openSafetensors(weightsFile.string());
    if (!store) return store.error();
    m.weights = std::move(store.value());
    if (m.config.family == Family::Gpt2) m.weights.stripPrefix("transformer.");
    if (m.config.family == Family::Opt) m.weights.stripPrefix("model."); // both layouts are published
    auto llava = readLlavaConfigFile((dir / "config.json").string());
    if (!llava) return llava.error();
    if (llava->has_value()) {
        m.llava = std::move(**llava);
        if (auto s = mapLlavaLayout(m.weights, weightsFile.string()); !s) return s.error();
        auto image = takeLlavaImageWeights(*m.llava, m.config.dModel, m.weights, weightsFile.string());
        if (!image) return image.error();
        m.imageWeights = std::move(image.value());
    }
    if (auto s = validateWeights(m.config, m.weights, weightsFile.string()); !s) return s.error();
    return m;
}

Result<ModelFiles> openLlama2c(const fs::path& file) {
    if (looksLikePickle(file.string())) return pickleRefusal(file.string());
    auto ck = loadLlama2cCheckpoint(file.string());
    if (!ck) return ck.error();
    ModelFiles m;
    m.format = ModelFormat::Llama2c;
    m.directory = file.parent_path().string();
    m.weightsPath = file.string();
    m.config = ck->config;
    m.weights = std::move(ck->weights);
    if (auto s = validateWeights(m.config, m.weights, file.string()); !s) return s.error();
    return m;
}

Result<ModelFiles> openGguf(const fs::path& file) {
    auto parsed = GgufFile::open(file.string());
    if (!parsed) return parsed.error();
    auto model = loadGgufModel(std::make_shared<const GgufFile>(std::move(parsed.value())));
    if (!model) return model.error();
    ModelFiles m;
    m.format = ModelFormat::Gguf;
    m.directory = file.parent_path().string();
    m.weightsPath = file.string();
    m.config = model->config;
    m.weights = std::move(model->weights);
    if (auto s = validateWeights(m.config, m.weights, file.string()); !s) return s.error();
    return m;
}

// The regular files in dir with the given extension (tokenizer.bin is never a checkpoint).
std::vector<fs::path> filesWithExtension(const fs::path& dir, const char* ext) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ext && e.path().filename() != "tokenizer.bin")
            out.push_back(e.path());
    return out;
}

Result<ModelFiles> openDirectory(const fs::path& dir) {
    if (fs::exists(dir / "config.json")) {
        if (fs::exists(dir / "model.safetensors")) return openHf(dir, dir / "model.safetensors");
        if (fs::exists(dir / "model.safetensors.index.json"))
            return openHf(dir, dir / "model.safetensors.index.json");
        for (const char* pickled : {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt"})
            if (fs::exists(dir / pickled))
                return Error{
                    fmt::format("{}: has only {} (a PyTorch pickle). SinkScope never unpickles model "
                                "files; convert it with save_pretrained(out, safe_serialization=True)",
                                dir.string(), pickled)};
        return Error{
            fmt::format("{}: has config.json but neither model.safetensors nor model.safetensors.index.json",
                        dir.string())};
    }
    const auto ggufs = filesWithExtension(dir, ".gguf");
    if (ggufs.size() == 1) return openGguf(ggufs.front());
    if (ggufs.size() > 1)
        return Error{
            fmt::format("{}: holds {} .gguf files; name the one to open", dir.string(), ggufs.size())};
    const auto bins = filesWithExtension(dir, ".bin");
    if (bins.size() == 1) return openLlama2c(bins.front());
    if (bins.size() > 1)
        return Error{
            fmt::format("{}: holds {} .bin checkpoints; name the one to open", dir.string(), bins.size())};
    return Error{
        fmt::format("{}: no model found (looked for config.json with model.safetensors, a .gguf file, or a "
                    "llama2.c .bin)",
                    dir.string())};
}

} // namespace

Result<ModelFiles> openModelFiles(const std::string& path) {
    const fs::path p(path);
    std::error_code ec;
    if (!fs::exists(p, ec)) return Error{fmt::format("{}: no such file or directory", path)};
    if (fs::is_directory(p, ec)) return openDirectory(p);
    const auto name = p.filename().string();
    if (hasExtension(p, {".safetensors"}) || name.ends_with(".safetensors.index.json")) {
        const auto dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
        if (!fs::exists(dir / "config.json"))
            return Error{fmt::format("{}: no config.json beside it; a Hugging Face model needs both", path)};
        return openHf(dir, p);
    }
    if (name == "config.json")
        return openDirectory(p.parent_path().empty() ? fs::path(".") : p.parent_path());
    if (hasExtension(p, {".gguf"})) return openGguf(p);
    if (hasExtension(p, {".pt", ".pth", ".ckpt", ".pkl"}) || looksLikePickle(path))
        return pickleRefusal(path);
    return openLlama2c(p);
}

const char* modelFormatName(ModelFormat f) {
    switch (f) {
    case ModelFormat::HfSafetensors:
        return "Hugging Face safetensors";
    case ModelFormat::Llama2c:
        return "llama2.c checkpoint";
    case ModelFormat::Gguf:
        return "GGUF";
    }
    return "unknown";
}

} // namespace sinkscope

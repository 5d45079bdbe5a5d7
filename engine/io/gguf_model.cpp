#include "io/gguf_model.h"

#include "core/available_memory.h"
#include "core/excerpt.h"
#include "core/human_bytes.h"
#include "io/gguf_config.h"
#include "io/gguf_dequant.h"
#include "io/gguf_names.h"
#include "io/llama2c_checkpoint.h"
#include "io/weight_spec.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace sinkscope {

namespace {

// Tensors the config reader consumed (RoPE frequency factors): part of the model, not weights.
bool isRopeFactorTensor(std::string_view name) {
    return name == "rope_freqs.weight" || name == "rope_factors_long.weight" ||
           name == "rope_factors_short.weight";
}

// Every tensor of the file must be one the config implies, and every implied one must be there
// with the implied shape and a type we can read.
Status checkTensors(const GgufFile& f, const ModelConfig& c) {
    // A block count beyond what the file holds is a lie, and trusting it would make the
    // expected-tensor list as long as the file claims; past this check it is at most a few times the
    // file's own tensor count.
    if (static_cast<std::uint64_t>(c.nLayers) > f.tensors().size())
        return Error{fmt::format("{}: block_count {} is more layers than the file has tensors ({})", f.path(),
                                 c.nLayers, f.tensors().size())};
    std::set<std::string, std::less<>> expected;
    for (const auto& spec : expectedTensors(c)) {
        const auto name = ggufNameForHf(c, spec.name).value_or(spec.name);
        expected.insert(name);
        const GgufTensorInfo* t = f.findTensor(name);
        if (!t)
            return Error{
                fmt::format("{}: tensor '{}' is missing (block_count {})", f.path(), name, c.nLayers)};
        const std::vector<std::uint64_t> dims(spec.shape.rbegin(), spec.shape.rend());
        if (t->dims != dims)
            return Error{
                fmt::format("{}: tensor '{}' has dims {} but the metadata implies {} (innermost first)",
                            f.path(), name, ggufDimsToString(t->dims), ggufDimsToString(dims))};
        if (!ggufCanDequantize(t->type)) return Error{ggufUnsupportedTypeMessage(f.path(), name, t->type)};
    }
    for (const auto& t : f.tensors()) {
        if (expected.count(t.name) || isRopeFactorTensor(t.name)) continue;
        if (hfNameForGguf(c, t.name))
            return Error{fmt::format("{}: unexpected tensor '{}' for block_count {}", f.path(),
                                     excerpt(t.name), c.nLayers)};
        return Error{fmt::format("{}: tensor '{}' is not part of a {} model (expected {})", f.path(),
                                 excerpt(t.name), c.modelType, ggufNamesOfFamily(c))};
    }
    return okStatus();
}

std::optional<DType> plainDType(std::uint32_t type) {
    switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32:
        return DType::F32;
    case GgmlType::F16:
        return DType::F16;
    case GgmlType::BF16:
        return DType::BF16;
    default:
        return std::nullopt;
    }
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// What the converter did to a tensor that has to be undone.
enum class Undo { Nothing, RopePairs, GemmaNormShift, NeoxQkvBlocks };

Undo undoFor(const ModelConfig& c, const std::string& hf, int& ropeHeads) {
    ropeHeads = 0;
    // llama.cpp's LlamaModel converter interleaves the RoPE pairs of q and k (weights and biases);
    // the other architectures use NeoX-style RoPE there and are stored as in the checkpoint.
    if (c.modelType == "llama") {
        if (hf.find("self_attn.q_proj.") != std::string::npos) ropeHeads = c.nHeads;
        if (hf.find("self_attn.k_proj.") != std::string::npos) ropeHeads = c.nKvHeads;
        if (ropeHeads > 0) return Undo::RopePairs;
    }
    // Gemma*Model.modify_tensors adds 1 to every "norm.weight", for llama.cpp's plain RMSNorm.
    if (c.family == Family::Gemma && endsWith(hf, "norm.weight")) return Undo::GemmaNormShift;
    // GPTNeoXModel.modify_tensors regroups query_key_value from per-head [q_h|k_h|v_h] to [q|k|v].
    if (c.family == Family::GptNeox && hf.find("attention.query_key_value.") != std::string::npos)
        return Undo::NeoxQkvBlocks;
    return Undo::Nothing;
}

// [q | k | v] blocks of H heads (rows of `cols` values) back to HF's per-head [q_h | k_h | v_h].
std::vector<float> blocksToPerHead(const std::vector<float>& w, int nHeads, int headDim, std::size_t cols) {
    std::vector<float> out(w.size());
    const std::size_t hd = static_cast<std::size_t>(headDim), H = static_cast<std::size_t>(nHeads);
    for (std::size_t h = 0; h < H; ++h)
        for (std::size_t part = 0; part < 3; ++part)
            for (std::size_t r = 0; r < hd; ++r) {
                const std::size_t from = (part * H * hd + h * hd + r) * cols;
                const std::size_t to = ((h * 3 + part) * hd + r) * cols;
                std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(from), cols,
                            out.begin() + static_cast<std::ptrdiff_t>(to));
            }
    return out;
}

} // namespace

Result<ModelConfig> readGgufModelConfig(const GgufFile& f) {
    auto config = readGgufConfig(f);
    if (!config) return config.error();
    if (auto s = checkTensors(f, config.value()); !s) return s.error();
    return config;
}

Result<GgufModel> loadGgufModel(std::shared_ptr<const GgufFile> file) {
    const GgufFile& f = *file;
    auto config = readGgufModelConfig(f);
    if (!config) return config.error();
    const ModelConfig& c = config.value();
    // Quantized tensors (and the rearranged ones) become float32 buffers: predict them before
    // allocating any, so that a file too big for this machine is refused instead of killed.
    std::uint64_t converted = 0;
    for (const auto& t : f.tensors()) {
        int ropeHeads = 0;
        if (isRopeFactorTensor(t.name)) continue;
        if (!plainDType(t.type) || undoFor(c, *hfNameForGguf(c, t.name), ropeHeads) != Undo::Nothing)
            converted += t.elements * sizeof(float);
    }
    if (const std::int64_t available = availableMemoryBytes();
        available >= 0 && converted > static_cast<std::uint64_t>(available))
        return Error{fmt::format("{}: its quantized weights need {} as float32, {} is available (quantized "
                                 "weights are converted at load; a BF16/F16 file is used in place)",
                                 f.path(), humanBytes(converted),
                                 humanBytes(static_cast<std::uint64_t>(available)))};

    GgufModel m;
    m.config = c;
    for (const auto& t : f.tensors()) {
        if (isRopeFactorTensor(t.name)) continue;
        const std::string hf = *hfNameForGguf(c, t.name);
        std::vector<std::int64_t> shape(t.dims.rbegin(), t.dims.rend());
        int ropeHeads = 0;
        const Undo undo = undoFor(c, hf, ropeHeads);
        const auto plain = plainDType(t.type);
        if (plain && undo == Undo::Nothing) {
            TensorRef ref;
            ref.name = hf;
            ref.dtype = *plain;
            ref.shape = std::move(shape);
            ref.data = t.data;
            ref.nbytes = static_cast<std::size_t>(t.nbytes);
            ref.file = f.path();
            m.weights.addView(std::move(ref), file);
            continue;
        }
        auto values = dequantizeTensor(t, f.path());
        if (!values) return values.error();
        const std::size_t cols = shape.size() == 2 ? static_cast<std::size_t>(shape[1]) : 1;
        switch (undo) {
        case Undo::RopePairs:
            values.value() =
                interleavedToHalfRows(values->data(), ropeHeads, c.headDim, static_cast<int>(cols));
            break;
        case Undo::GemmaNormShift:
            for (float& v : values.value())
                v -= 1.0f;
            break;
        case Undo::NeoxQkvBlocks:
            values.value() = blocksToPerHead(values.value(), c.nHeads, c.headDim, cols);
            break;
        case Undo::Nothing:
            break;
        }
        m.weights.addOwned(hf, std::move(shape), std::move(values.value()), f.path());
    }
    return m;
}

} // namespace sinkscope

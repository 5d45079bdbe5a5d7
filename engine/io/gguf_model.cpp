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
    // Tensors stay in the file's memory map, quantized or not, except the ones the converter
    // rearranged (copied with their rows put back) and Gemma's norms (float32): predict those copies
    // before making any, so that a file too big for this machine is refused instead of killed.
    std::uint64_t copies = 0;
    for (const auto& t : f.tensors()) {
        int ropeHeads = 0;
        if (isRopeFactorTensor(t.name)) continue;
        const Undo undo = undoFor(c, *hfNameForGguf(c, t.name), ropeHeads);
        if (undo == Undo::GemmaNormShift) copies += t.elements * sizeof(float);
        if (undo == Undo::RopePairs || undo == Undo::NeoxQkvBlocks) copies += t.nbytes;
    }
    if (const std::int64_t available = availableMemoryBytes();
        available >= 0 && copies > static_cast<std::uint64_t>(available))
        return Error{fmt::format("{}: its rearranged weights need {} of memory, {} is available", f.path(),
                                 humanBytes(copies), humanBytes(static_cast<std::uint64_t>(available)))};

    GgufModel m;
    m.config = c;
    for (const auto& t : f.tensors()) {
        if (isRopeFactorTensor(t.name)) continue;
        const std::string hf = *hfNameForGguf(c, t.name);
        std::vector<std::int64_t> shape(t.dims.rbegin(), t.dims.rend());
        int ropeHeads = 0;
        const Undo undo = undoFor(c, hf, ropeHeads);
        if (undo == Undo::GemmaNormShift) {
            auto values = dequantizeTensor(t, f.path());
            if (!values) return values.error();
            for (float& v : values.value())
                v -= 1.0f;
            m.weights.addOwned(hf, std::move(shape), std::move(values.value()), f.path());
            continue;
        }
        TensorRef ref;
        ref.name = hf;
        const auto plain = plainDType(t.type);
        ref.dtype = plain.value_or(DType::U8);
        if (!plain) ref.ggml = static_cast<std::int32_t>(t.type); // kept quantized, as the file has it
        ref.shape = std::move(shape);
        ref.data = t.data;
        ref.nbytes = static_cast<std::size_t>(t.nbytes);
        ref.file = f.path();
        if (undo == Undo::Nothing) {
            m.weights.addView(std::move(ref), file);
            continue;
        }
        // Whole rows move (a quantized row is whole blocks), so rearranging never decodes anything.
        const int rows = static_cast<int>(ref.shape[0]);
        std::vector<float> order(static_cast<std::size_t>(rows));
        for (int r = 0; r < rows; ++r)
            order[static_cast<std::size_t>(r)] = static_cast<float>(r);
        order = undo == Undo::RopePairs ? interleavedToHalfRows(order.data(), ropeHeads, c.headDim, 1)
                                        : blocksToPerHead(order, c.nHeads, c.headDim, 1);
        const std::size_t rowBytes = ref.nbytes / static_cast<std::size_t>(rows);
        std::vector<std::uint8_t> bytes(ref.nbytes);
        for (std::size_t r = 0; r < order.size(); ++r)
            std::copy_n(t.data + static_cast<std::size_t>(order[r]) * rowBytes, rowBytes,
                        bytes.begin() + r * rowBytes);
        m.weights.addOwnedBytes(std::move(ref), std::move(bytes));
    }
    return m;
}

} // namespace sinkscope

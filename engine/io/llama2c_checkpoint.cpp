#include "io/llama2c_checkpoint.h"

#include "core/mapped_file.h"
#include "core/saturating.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <limits>

namespace sinkscope {

std::vector<float> interleavedToHalfRows(const float* w, int nHeads, int headDim, int cols) {
    std::vector<float> out(static_cast<std::size_t>(nHeads) * headDim * cols);
    const int half = headDim / 2;
    for (int h = 0; h < nHeads; ++h) {
        for (int j = 0; j < headDim; ++j) {
            const int src = j < half ? 2 * j : 2 * (j - half) + 1;
            std::memcpy(&out[(static_cast<std::size_t>(h) * headDim + j) * cols],
                        &w[(static_cast<std::size_t>(h) * headDim + src) * cols], sizeof(float) * cols);
        }
    }
    return out;
}

namespace {

// The header fields and the file size they imply; `size` is the whole file's.
Result<ModelConfig> configFromHeader(const std::uint8_t* data, std::size_t size, const std::string& path) {
    if (size < 28)
        return Error{fmt::format("{}: {} bytes is too short for a llama2.c header (28)", path, size)};
    std::array<std::int32_t, 7> h{};
    std::memcpy(h.data(), data, 28);
    const char* names[] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    for (int i = 0; i < 7; ++i) {
        const std::int64_t v = i == 5 ? std::abs(static_cast<std::int64_t>(h[i])) : h[i];
        if (v <= 0 || v > (1 << 20))
            return Error{
                fmt::format("{}: llama2.c header field {} = {} is out of range: not a llama2.c checkpoint?",
                            path, names[i], h[i])};
    }
    ModelConfig c;
    c.family = Family::Llama;
    c.modelType = "llama2c";
    c.dModel = h[0];
    c.dFf = h[1];
    c.nLayers = h[2];
    c.nHeads = h[3];
    c.nKvHeads = h[4];
    c.vocabSize = std::abs(h[5]);
    c.maxPositions = h[6];
    c.normEps = 1e-5;
    c.ropeTheta = 10000.0;
    c.tieEmbeddings = h[5] > 0;
    c.bosId = 1;
    c.eosId = 2;
    c.addBos = true;
    if (c.dModel % c.nHeads != 0 || c.nHeads % c.nKvHeads != 0 || (c.dModel / c.nHeads) % 2 != 0)
        return Error{fmt::format("{}: inconsistent llama2.c header (dim {}, n_heads {}, n_kv_heads {})", path,
                                 c.dModel, c.nHeads, c.nKvHeads)};
    c.headDim = c.dModel / c.nHeads;
    const std::int64_t expected = llama2cFileSize(c);
    if (static_cast<std::int64_t>(size) != expected)
        return Error{fmt::format(
            "{}: size {} bytes does not match the header (expected {} for dim {}, {} layers, "
            "vocab {}): truncated or not a llama2.c checkpoint",
            path, size,
            expected == std::numeric_limits<std::int64_t>::max() ? std::string("at least 8 EiB")
                                                                 : fmt::format("{} bytes", expected),
            c.dModel, c.nLayers, c.vocabSize)};
    return c;
}

} // namespace

std::int64_t llama2cFileSize(const ModelConfig& c) {
    // Header fields reach 2^20 each, so products of three overflow int64: saturate instead.
    const std::int64_t D = c.dModel, F = c.dFf, L = c.nLayers, V = c.vocabSize;
    const std::int64_t KV = saturatingMul(c.nKvHeads, c.headDim);
    auto mul = [](std::initializer_list<std::int64_t> xs) {
        std::int64_t r = 1;
        for (const auto x : xs)
            r = saturatingMul(r, x);
        return r;
    };
    std::int64_t floats = 0;
    for (const auto term : {mul({V, D}),                        // token embeddings
                            mul({L, D}),                        // attention norms
                            mul({2, L, D, D}),                  // wq, wo
                            mul({2, L, KV, D}),                 // wk, wv
                            mul({L, D}),                        // ffn norms
                            mul({3, L, F, D}),                  // w1, w2, w3
                            D,                                  // final norm
                            mul({c.maxPositions, c.headDim}),   // legacy RoPE tables
                            c.tieEmbeddings ? 0 : mul({V, D})}) // classifier
        floats = saturatingAdd(floats, term);
    return saturatingAdd(28, saturatingMul(4, floats));
}

Result<ModelConfig> readLlama2cConfig(const std::string& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    return configFromHeader(mapped->data(), mapped->size(), path);
}

Result<Llama2cCheckpoint> loadLlama2cCheckpoint(const std::string& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    return parseLlama2cCheckpoint(mapped->data(), mapped->size(), path);
}

Result<Llama2cCheckpoint> parseLlama2cCheckpoint(const std::uint8_t* data, std::size_t size,
                                                 const std::string& path) {
    auto config = configFromHeader(data, size, path);
    if (!config) return config.error();
    const ModelConfig& c = config.value();
    const std::int64_t D = c.dModel, F = c.dFf, L = c.nLayers, V = c.vocabSize, KV = c.nKvHeads * c.headDim;
    const std::int64_t ropeFloats = static_cast<std::int64_t>(c.maxPositions) * c.headDim;

    Llama2cCheckpoint ck;
    std::size_t offset = 28;
    // Copies the next n floats (the map may be unaligned for float access).
    auto next = [&](std::int64_t n) {
        std::vector<float> v(static_cast<std::size_t>(n));
        std::memcpy(v.data(), data + offset, static_cast<std::size_t>(n) * 4);
        offset += static_cast<std::size_t>(n) * 4;
        return v;
    };
    auto perLayer = [&](const std::string& suffix, std::int64_t rows, std::int64_t cols, int permuteHeads) {
        auto all = next(L * rows * cols);
        for (std::int64_t l = 0; l < L; ++l) {
            const float* src = all.data() + l * rows * cols;
            std::vector<float> w =
                permuteHeads > 0 ? interleavedToHalfRows(src, permuteHeads, c.headDim, static_cast<int>(cols))
                                 : std::vector<float>(src, src + rows * cols);
            std::vector<std::int64_t> shape =
                cols == 1 ? std::vector<std::int64_t>{rows} : std::vector<std::int64_t>{rows, cols};
            ck.weights.addOwned(fmt::format("model.layers.{}.{}", l, suffix), shape, std::move(w), path);
        }
    };
    ck.weights.addOwned("model.embed_tokens.weight", {V, D}, next(V * D), path);
    perLayer("input_layernorm.weight", D, 1, 0);
    perLayer("self_attn.q_proj.weight", D, D, c.nHeads);
    perLayer("self_attn.k_proj.weight", KV, D, c.nKvHeads);
    perLayer("self_attn.v_proj.weight", KV, D, 0);
    perLayer("self_attn.o_proj.weight", D, D, 0);
    perLayer("post_attention_layernorm.weight", D, 1, 0);
    perLayer("mlp.gate_proj.weight", F, D, 0);
    perLayer("mlp.down_proj.weight", D, F, 0);
    perLayer("mlp.up_proj.weight", F, D, 0);
    ck.weights.addOwned("model.norm.weight", {D}, next(D), path);
    offset += static_cast<std::size_t>(ropeFloats) * 4; // legacy RoPE tables: recomputed, not read
    if (!c.tieEmbeddings) ck.weights.addOwned("lm_head.weight", {V, D}, next(V * D), path);
    ck.config = c;
    return ck;
}

} // namespace sinkscope

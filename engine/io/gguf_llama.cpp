#include "io/gguf_llama.h"

#include "core/excerpt.h"
#include "io/gguf_dequant.h"
#include "io/llama2c_checkpoint.h"
#include "io/weight_spec.h"

#include <array>
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace sinkscope {

namespace {

struct NamePair {
    std::string_view gguf;
    std::string_view hf;
};

// Per-layer names without the "blk.N." / "model.layers.N." prefix and the .weight/.bias suffix.
constexpr std::array<NamePair, 9> kLayerNames = {{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_output", "self_attn.o_proj"},
    {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
}};
constexpr std::array<NamePair, 3> kGlobalNames = {{
    {"token_embd.weight", "model.embed_tokens.weight"},
    {"output_norm.weight", "model.norm.weight"},
    {"output.weight", "lm_head.weight"},
}};

// Splits "<prefix><layer>.<rest>" where layer is a canonical decimal number (no sign, no leading
// zeros, so two names can never map to the same layer).
bool splitLayer(std::string_view name, std::string_view prefix, int& layer, std::string_view& rest) {
    if (!name.starts_with(prefix)) return false;
    name.remove_prefix(prefix.size());
    const auto dot = name.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 6 || (name[0] == '0' && dot > 1)) return false;
    layer = 0;
    for (std::size_t i = 0; i < dot; ++i) {
        if (name[i] < '0' || name[i] > '9') return false;
        layer = layer * 10 + (name[i] - '0');
    }
    rest = name.substr(dot + 1);
    return true;
}

// Maps "<base>.weight" / "<base>.bias" through the per-layer table, in either direction.
std::optional<std::string> mapLayerRest(std::string_view rest, bool toHf) {
    for (const std::string_view suffix : {".weight", ".bias"}) {
        if (!rest.ends_with(suffix)) continue;
        const auto base = rest.substr(0, rest.size() - suffix.size());
        for (const auto& p : kLayerNames)
            if ((toHf ? p.gguf : p.hf) == base)
                return std::string(toHf ? p.hf : p.gguf) + std::string(suffix);
    }
    return std::nullopt;
}

std::optional<std::string> ggufNameForHf(std::string_view hf) {
    for (const auto& p : kGlobalNames)
        if (p.hf == hf) return std::string(p.gguf);
    int layer = 0;
    std::string_view rest;
    if (!splitLayer(hf, "model.layers.", layer, rest)) return std::nullopt;
    auto mapped = mapLayerRest(rest, false);
    if (!mapped) return std::nullopt;
    return fmt::format("blk.{}.{}", layer, *mapped);
}

// Reads llama.* and tokenizer.ggml.* keys; the first problem is kept and reported.
class MetaReader {
public:
    explicit MetaReader(const GgufFile& f) : m_f(f) {}

    const std::string& error() const { return m_error; }
    void fail(const std::string& key, const std::string& what) {
        if (m_error.empty()) m_error = fmt::format("{}: key '{}': {}", m_f.path(), key, what);
    }

    // An integer in [lo, hi]; `fallback` when absent (a required key is reported instead).
    std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi,
                         std::optional<std::int64_t> fallback) {
        const GgufValue* v = m_f.find(key);
        if (!v) {
            if (!fallback) fail(key, "missing (required for a llama model)");
            return fallback.value_or(lo);
        }
        const auto n = v->asInt();
        if (!n) {
            fail(key, fmt::format("has type {}, expected an integer", v->typeName()));
            return lo;
        }
        if (*n < lo || *n > hi) {
            fail(key, fmt::format("is {}, expected {} to {}", *n, lo, hi));
            return lo;
        }
        return *n;
    }
    // A positive finite number (f32 or f64).
    double positive(const std::string& key, std::optional<double> fallback) {
        const GgufValue* v = m_f.find(key);
        if (!v) {
            if (!fallback) fail(key, "missing (required for a llama model)");
            return fallback.value_or(1.0);
        }
        const auto x = v->asDouble();
        if (!x || !std::isfinite(*x) || *x <= 0) {
            fail(key, x ? fmt::format("is {}, expected a positive number", *x)
                        : fmt::format("has type {}, expected f32 or f64", v->typeName()));
            return 1.0;
        }
        return *x;
    }
    std::optional<std::string_view> string(const std::string& key) {
        const GgufValue* v = m_f.find(key);
        if (!v) return std::nullopt;
        if (!v->asString()) fail(key, fmt::format("has type {}, expected string", v->typeName()));
        return v->asString();
    }
    std::optional<bool> boolean(const std::string& key) {
        const GgufValue* v = m_f.find(key);
        if (!v) return std::nullopt;
        if (!v->asBool()) fail(key, fmt::format("has type {}, expected bool", v->typeName()));
        return v->asBool();
    }

private:
    const GgufFile& m_f;
    std::string m_error;
};

constexpr std::int64_t kMaxDim = 1 << 20;

Status readArchitecture(const GgufFile& f, MetaReader& r) {
    const auto arch = r.string("general.architecture");
    if (!r.error().empty()) return Error{r.error()};
    if (!arch) return Error{fmt::format("{}: key 'general.architecture': missing", f.path())};
    if (*arch != "llama")
        return Error{
            fmt::format("{}: general.architecture is '{}'; SinkScope reads GGUF models of the 'llama' "
                        "architecture only (Llama, Mistral, SmolLM conversions)",
                        f.path(), excerpt(*arch))};
    // Features the forward pass does not have: refuse rather than compute something else.
    if (r.integer("llama.expert_count", 0, kMaxDim, 0) > 0)
        return Error{
            fmt::format("{}: llama.expert_count: mixture-of-experts models are not supported", f.path())};
    if (const auto scaling = r.string("llama.rope.scaling.type"); scaling && *scaling != "none")
        return Error{
            fmt::format("{}: llama.rope.scaling.type '{}' is not supported", f.path(), excerpt(*scaling))};
    if (r.positive("llama.rope.scale_linear", 1.0) != 1.0)
        return Error{
            fmt::format("{}: llama.rope.scale_linear (linear RoPE scaling) is not supported", f.path())};
    if (f.findTensor("rope_freqs.weight"))
        return Error{fmt::format("{}: tensor 'rope_freqs.weight' (Llama-3.1 RoPE frequency scaling) is not "
                                 "supported",
                                 f.path())};
    return okStatus();
}

// Token ids, BOS handling and the vocabulary size as the embedded tokenizer defines them.
void readTokenizerKeys(const GgufFile& f, MetaReader& r, ModelConfig& c) {
    const auto model = r.string("tokenizer.ggml.model");
    const bool spm = model && *model == "llama";
    auto id = [&](const char* key, std::optional<std::int32_t> fallback) -> std::optional<std::int32_t> {
        if (!f.find(key)) return fallback;
        return static_cast<std::int32_t>(r.integer(key, 0, c.vocabSize - 1, 0));
    };
    // llama.cpp's defaults for SentencePiece vocabularies.
    c.bosId = id("tokenizer.ggml.bos_token_id", spm ? std::optional<std::int32_t>(1) : std::nullopt);
    c.eosId = id("tokenizer.ggml.eos_token_id", spm ? std::optional<std::int32_t>(2) : std::nullopt);
    const auto pre = r.string("tokenizer.ggml.pre");
    c.addBos = r.boolean("tokenizer.ggml.add_bos_token").value_or(spm || (pre && *pre == "llama-bpe"));
    if (!c.bosId || *c.bosId >= c.vocabSize) {
        c.bosId.reset();
        c.addBos = false;
    }
    if (c.eosId && *c.eosId >= c.vocabSize) c.eosId.reset();
}

Result<ModelConfig> readConfig(const GgufFile& f) {
    MetaReader r(f);
    if (auto s = readArchitecture(f, r); !s) return s.error();
    if (!r.error().empty()) return Error{r.error()};
    ModelConfig c;
    c.family = Family::Llama;
    c.modelType = "llama";
    c.nLayers = static_cast<int>(r.integer("llama.block_count", 1, 1 << 16, std::nullopt));
    c.dModel = static_cast<int>(r.integer("llama.embedding_length", 1, kMaxDim, std::nullopt));
    c.dFf = static_cast<int>(r.integer("llama.feed_forward_length", 1, 4 * kMaxDim, std::nullopt));
    c.nHeads = static_cast<int>(r.integer("llama.attention.head_count", 1, 1 << 16, std::nullopt));
    c.nKvHeads = static_cast<int>(r.integer("llama.attention.head_count_kv", 1, 1 << 16, c.nHeads));
    c.maxPositions = static_cast<int>(r.integer("llama.context_length", 1, 1 << 30, std::nullopt));
    c.normEps = r.positive("llama.attention.layer_norm_rms_epsilon", std::nullopt);
    c.ropeTheta = r.positive("llama.rope.freq_base", 10000.0);
    if (!r.error().empty()) return Error{r.error()};

    if (c.dModel % c.nHeads != 0 && !f.find("llama.attention.key_length"))
        return Error{fmt::format("{}: llama.embedding_length {} is not divisible by {} heads", f.path(),
                                 c.dModel, c.nHeads)};
    c.headDim = static_cast<int>(r.integer("llama.attention.key_length", 2, 1 << 16, c.dModel / c.nHeads));
    const auto valueLength = r.integer("llama.attention.value_length", 1, 1 << 16, c.headDim);
    const auto ropeDims = r.integer("llama.rope.dimension_count", 1, 1 << 16, c.headDim);
    if (!r.error().empty()) return Error{r.error()};
    if (valueLength != c.headDim)
        return Error{
            fmt::format("{}: llama.attention.value_length {} differs from the key length {}; not supported",
                        f.path(), valueLength, c.headDim)};
    if (ropeDims != c.headDim)
        return Error{
            fmt::format("{}: llama.rope.dimension_count {} differs from the head dimension {} (partial "
                        "rotary embeddings are not supported)",
                        f.path(), ropeDims, c.headDim)};
    if (c.headDim % 2 != 0)
        return Error{fmt::format("{}: head dimension {} must be even for RoPE", f.path(), c.headDim)};
    if (c.nHeads % c.nKvHeads != 0)
        return Error{fmt::format("{}: {} attention heads are not a multiple of {} key/value heads", f.path(),
                                 c.nHeads, c.nKvHeads)};
    // Every layer has at least seven tensors: a block count beyond that is a lie, and trusting it
    // would make the expected-tensor list as long as the file claims.
    if (static_cast<std::uint64_t>(c.nLayers) * 7 > f.tensors().size())
        return Error{fmt::format("{}: llama.block_count {} needs at least {} tensors, the file holds {}",
                                 f.path(), c.nLayers, 7 * c.nLayers, f.tensors().size())};

    const GgufTensorInfo* embed = f.findTensor("token_embd.weight");
    if (!embed || embed->dims.size() != 2 || embed->dims[1] == 0 || embed->dims[1] > (1u << 24))
        return Error{fmt::format("{}: tensor 'token_embd.weight' is missing or not a [{}, vocab] matrix",
                                 f.path(), c.dModel)};
    c.vocabSize = static_cast<int>(embed->dims[1]);
    if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
        tokens && tokens->type == GgufValueType::Array && tokens->count != embed->dims[1])
        return Error{
            fmt::format("{}: tokenizer.ggml.tokens lists {} tokens but token_embd.weight has {} rows",
                        f.path(), tokens->count, embed->dims[1])};
    c.tieEmbeddings = f.findTensor("output.weight") == nullptr;
    c.qkvBias = f.findTensor("blk.0.attn_q.bias") != nullptr;
    c.outputBias = f.findTensor("blk.0.attn_output.bias") != nullptr;
    readTokenizerKeys(f, r, c);
    if (!r.error().empty()) return Error{r.error()};
    return c;
}

// Every tensor of the file must be one the config implies, and every implied one must be there
// with the implied shape and a type we can read.
Status checkTensors(const GgufFile& f, const ModelConfig& c) {
    std::set<std::string, std::less<>> expected;
    for (const auto& spec : expectedTensors(c)) {
        const auto name = ggufNameForHf(spec.name).value_or(spec.name);
        expected.insert(name);
        const GgufTensorInfo* t = f.findTensor(name);
        if (!t)
            return Error{
                fmt::format("{}: tensor '{}' is missing (llama.block_count {})", f.path(), name, c.nLayers)};
        const std::vector<std::uint64_t> dims(spec.shape.rbegin(), spec.shape.rend());
        if (t->dims != dims)
            return Error{
                fmt::format("{}: tensor '{}' has dims {} but the metadata implies {} (innermost first)",
                            f.path(), name, ggufDimsToString(t->dims), ggufDimsToString(dims))};
        if (!ggufCanDequantize(t->type)) return Error{ggufUnsupportedTypeMessage(f.path(), name, t->type)};
    }
    for (const auto& t : f.tensors()) {
        if (expected.count(t.name)) continue;
        if (hfNameForGgufTensor(t.name))
            return Error{fmt::format("{}: unexpected tensor '{}' for llama.block_count {}", f.path(),
                                     excerpt(t.name), c.nLayers)};
        return Error{
            fmt::format("{}: tensor '{}' is not part of a llama model (expected token_embd, "
                        "blk.N.{{attn_norm,attn_q,attn_k,attn_v,attn_output,ffn_norm,ffn_gate,ffn_up,"
                        "ffn_down}}, output_norm, output)",
                        f.path(), excerpt(t.name))};
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

} // namespace

std::optional<std::string> hfNameForGgufTensor(std::string_view ggufName) {
    for (const auto& p : kGlobalNames)
        if (p.gguf == ggufName) return std::string(p.hf);
    int layer = 0;
    std::string_view rest;
    if (!splitLayer(ggufName, "blk.", layer, rest)) return std::nullopt;
    auto mapped = mapLayerRest(rest, true);
    if (!mapped) return std::nullopt;
    return fmt::format("model.layers.{}.{}", layer, *mapped);
}

Result<ModelConfig> readGgufLlamaConfig(const GgufFile& f) {
    auto config = readConfig(f);
    if (!config) return config.error();
    if (auto s = checkTensors(f, config.value()); !s) return s.error();
    return config;
}

Result<GgufModel> loadGgufLlama(std::shared_ptr<const GgufFile> file) {
    const GgufFile& f = *file;
    auto config = readGgufLlamaConfig(f);
    if (!config) return config.error();
    const ModelConfig& c = config.value();

    GgufModel m;
    m.config = c;
    for (const auto& t : f.tensors()) {
        const std::string hf = *hfNameForGgufTensor(t.name);
        std::vector<std::int64_t> shape(t.dims.rbegin(), t.dims.rend());
        // llama.cpp's converter interleaves the RoPE pairs of q and k (weights and biases).
        int permuteHeads = 0;
        if (hf.find("self_attn.q_proj.") != std::string::npos) permuteHeads = c.nHeads;
        if (hf.find("self_attn.k_proj.") != std::string::npos) permuteHeads = c.nKvHeads;
        const auto plain = plainDType(t.type);
        if (plain && permuteHeads == 0) {
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
        if (permuteHeads > 0) {
            const int cols = shape.size() == 2 ? static_cast<int>(shape[1]) : 1;
            values.value() = interleavedToHalfRows(values->data(), permuteHeads, c.headDim, cols);
        }
        m.weights.addOwned(hf, std::move(shape), std::move(values.value()), f.path());
    }
    return m;
}

} // namespace sinkscope

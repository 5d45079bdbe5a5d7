#include "io/gguf_config.h"

#include "core/excerpt.h"
#include "io/gguf_dequant.h"
#include "io/gguf_meta.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr std::int64_t kMaxDim = 1 << 20;
constexpr std::int64_t kMaxContext = 1 << 30;

struct Arch {
    std::string_view gguf;
    const char* modelType; // the Hugging Face model_type it was converted from
    Family family;
};
constexpr Arch kArchs[] = {
    {"llama", "llama", Family::Llama},   {"qwen2", "qwen2", Family::Llama},
    {"qwen3", "qwen3", Family::Llama},   {"gemma", "gemma", Family::Gemma},
    {"gemma2", "gemma2", Family::Gemma}, {"gemma3", "gemma3_text", Family::Gemma},
    {"phi3", "phi3", Family::Phi3},      {"gptneox", "gpt_neox", Family::GptNeox},
    {"olmo2", "olmo2", Family::Olmo2},
};

// The hidden size, heads, context, norm epsilon and RoPE base every architecture has.
void readShape(GgufMeta& m, ModelConfig& c) {
    c.nLayers = static_cast<int>(m.integer(".block_count", 1, 1 << 16, std::nullopt));
    c.dModel = static_cast<int>(m.integer(".embedding_length", 1, kMaxDim, std::nullopt));
    c.dFf = static_cast<int>(m.integer(".feed_forward_length", 1, 4 * kMaxDim, std::nullopt));
    c.nHeads = static_cast<int>(m.integer(".attention.head_count", 1, 1 << 16, std::nullopt));
    c.nKvHeads = static_cast<int>(m.integer(".attention.head_count_kv", 1, 1 << 16, c.nHeads));
    c.maxPositions = static_cast<int>(m.integer(".context_length", 1, kMaxContext, std::nullopt));
    c.normEps = m.positive(c.family == Family::GptNeox ? ".attention.layer_norm_epsilon"
                                                       : ".attention.layer_norm_rms_epsilon",
                           std::nullopt);
    c.ropeTheta = m.positive(".rope.freq_base", 10000.0);
}

// How the family's blocks are wired; what the file does not say is what llama.cpp builds.
void readWiring(GgufMeta& m, ModelConfig& c) {
    const std::string& t = c.modelType;
    switch (c.family) {
    case Family::Gemma:
        c.normKind = NormType::RmsPlusOne; // the converter stored 1 + w; the loader takes the 1 off again
        c.embedScale = true;
        c.activation = Activation::GeluTanh;
        c.tieEmbeddings = true;
        if (t == "gemma") break;
        c.layout = BlockLayout::Sandwich;
        // llama.cpp scales queries by 1/sqrt(hidden / heads) for the 27B models (46 / 62 layers, whose
        // query_pre_attn_scalar is that) and by 1/sqrt(head_dim) otherwise; GGUF has no key for it.
        if (c.nLayers == (t == "gemma2" ? 46 : 62))
            c.attnScale = 1.0 / std::sqrt(double(c.dModel / c.nHeads));
        if (t == "gemma2") {
            c.attnSoftcap = static_cast<float>(m.positive(".attn_logit_softcapping", 50.0));
            c.finalSoftcap = static_cast<float>(m.positive(".final_logit_softcapping", 30.0));
        } else {
            c.qkNorm = QkNorm::PerHead;
        }
        break;
    case Family::GptNeox:
        c.normKind = NormType::LayerNorm;
        c.activation = Activation::GeluErf; // Pythia's hidden_act "gelu"
        c.gatedMlp = false;
        c.mlpBias = true;
        c.layout =
            m.boolean(".use_parallel_residual").value_or(true) ? BlockLayout::Parallel : BlockLayout::PreNorm;
        break;
    case Family::Olmo2:
        c.qkNorm = QkNorm::FullWidth;
        c.layout = BlockLayout::PostSublayer;
        break;
    default:
        if (t == "qwen3") c.qkNorm = QkNorm::PerHead;
    }
}

// A per-frequency factor tensor (rope_freqs, rope_factors_long/short): n positive numbers.
Result<std::vector<double>> factorTensor(const GgufFile& f, const GgufTensorInfo& t, std::size_t n) {
    if (t.dims.size() != 1 || t.dims[0] != n)
        return Error{fmt::format("{}: tensor '{}' has dims {}, the rotary dimensions need [{}]", f.path(),
                                 excerpt(t.name), ggufDimsToString(t.dims), n)};
    auto values = dequantizeTensor(t, f.path());
    if (!values) return values.error();
    std::vector<double> out(values->begin(), values->end());
    for (const double v : out)
        if (!std::isfinite(v) || v <= 0)
            return Error{fmt::format("{}: tensor '{}' holds {}, expected positive factors", f.path(),
                                     excerpt(t.name), v)};
    return out;
}

Status readRopeScaling(GgufMeta& m, ModelConfig& c) {
    const GgufFile& f = m.file();
    RopeScaling& s = c.rope;
    const auto type = m.string(".rope.scaling.type").value_or("none");
    double factor = m.positive(".rope.scaling.factor", 1.0);
    if (const GgufValue* legacy = m.find(".rope.scale_linear"); legacy && !m.find(".rope.scaling.factor"))
        factor = m.positive(".rope.scale_linear", 1.0); // older files' linear factor
    if (!m.ok()) return Error{m.error()};
    const std::size_t half = static_cast<std::size_t>(c.rotaryDims() / 2);
    if (type == "linear" || (type == "none" && factor != 1.0 && m.find(".rope.scale_linear"))) {
        s.type = RopeScalingType::Linear;
        s.factor = factor;
    } else if (type == "yarn") {
        // ggml's rope_yarn: ramp over the original context, beta_fast/slow rotations, and cos/sin
        // times attn_factor * (1 + 0.1 ln(factor)) — HF's default yarn attention factor.
        s.type = RopeScalingType::Yarn;
        s.factor = factor;
        s.originalMaxPositions = static_cast<int>(
            m.integer(".rope.scaling.original_context_length", 1, kMaxContext, std::nullopt));
        s.betaFast = m.positive(".rope.scaling.yarn_beta_fast", 32.0);
        s.betaSlow = m.positive(".rope.scaling.yarn_beta_slow", 1.0);
        s.attentionFactor = m.positive(".rope.scaling.attn_factor", 1.0) * (1.0 + 0.1 * std::log(factor));
    } else if (type != "none") {
        return Error{fmt::format("{}: key '{}' is '{}': RoPE scaling of that type is not supported (none, "
                                 "linear, yarn; Llama-3 frequencies come as the tensor rope_freqs, Phi-3 "
                                 "longrope as rope_factors_long/short)",
                                 f.path(), m.key(".rope.scaling.type"), excerpt(type))};
    }
    if (!m.ok()) return Error{m.error()};
    // Llama 3.1+: llama.cpp's converter turns the llama3 parameters into one divisor per frequency.
    if (const GgufTensorInfo* freqs = f.findTensor("rope_freqs.weight")) {
        if (s.type != RopeScalingType::None)
            return Error{
                fmt::format("{}: tensor 'rope_freqs.weight' together with {} scaling is not supported",
                            f.path(), ropeScalingName(s.type))};
        auto factors = factorTensor(f, *freqs, half);
        if (!factors) return factors.error();
        s.type = RopeScalingType::Llama3;
        s.freqFactors = std::move(factors.value());
        s.factor = *std::max_element(s.freqFactors.begin(), s.freqFactors.end());
    }
    // Phi-3 longrope: short factors up to the original context, long ones past it.
    const GgufTensorInfo* longF = f.findTensor("rope_factors_long.weight");
    const GgufTensorInfo* shortF = f.findTensor("rope_factors_short.weight");
    if (longF || shortF) {
        if (!longF || !shortF || s.type != RopeScalingType::None)
            return Error{fmt::format("{}: rope_factors_long/rope_factors_short must come together and alone",
                                     f.path())};
        auto lf = factorTensor(f, *longF, half);
        if (!lf) return lf.error();
        auto sf = factorTensor(f, *shortF, half);
        if (!sf) return sf.error();
        s.type = RopeScalingType::Longrope;
        s.longFactor = std::move(lf.value());
        s.shortFactor = std::move(sf.value());
        s.originalMaxPositions = static_cast<int>(
            m.integer(".rope.scaling.original_context_length", 1, kMaxContext, c.maxPositions));
        s.factor = static_cast<double>(c.maxPositions) / s.originalMaxPositions;
        // The converter writes HF's attention factor (sqrt(1 + ln(factor) / ln(original))) here.
        s.attentionFactor = m.positive(".rope.scaling.attn_factor", 1.0);
    }
    if (!m.ok()) return Error{m.error()};
    return okStatus();
}

// Sliding windows: the window key, and which layers it applies to (a period or one flag per layer).
Status readWindows(GgufMeta& m, ModelConfig& c) {
    const std::string& t = c.modelType;
    const bool gemma2 = t == "gemma2", gemma3 = t == "gemma3_text";
    const std::optional<std::int64_t> fallback = gemma2   ? std::optional<std::int64_t>(4096)
                                                 : gemma3 ? std::nullopt
                                                          : std::optional<std::int64_t>(0);
    c.slidingWindow = static_cast<int>(m.integer(".attention.sliding_window", 0, kMaxContext, fallback));
    if (gemma2) c.windowPeriod = 2;
    if (gemma3) {
        c.windowPeriod = 6;
        c.localRopeTheta = m.positive(".rope.freq_base_swa", 10000.0);
    }
    if (!m.ok()) return Error{m.error()};
    const GgufValue* pattern = m.find(".attention.sliding_window_pattern");
    if (!pattern || c.slidingWindow == 0) return okStatus();
    if (const auto period = pattern->asInt()) {
        c.windowPeriod = static_cast<int>(m.integer(".attention.sliding_window_pattern", 0, 1 << 16, 0));
    } else if (pattern->type == GgufValueType::Array && pattern->elementType == GgufValueType::Bool &&
               pattern->count == static_cast<std::uint64_t>(c.nLayers)) {
        c.layerTypes.assign(static_cast<std::size_t>(c.nLayers), 0);
        for (std::uint64_t i = 0; i < pattern->count; ++i)
            c.layerTypes[i] = pattern->intAt(i).value_or(0) != 0;
    } else {
        m.fail(m.key(".attention.sliding_window_pattern"),
               fmt::format("has type {}, expected an integer or one bool per layer ({})", pattern->typeName(),
                           c.nLayers));
    }
    if (!m.ok()) return Error{m.error()};
    return okStatus();
}

// The head size and the rotary part of it.
Status readHeads(GgufMeta& m, ModelConfig& c) {
    const GgufFile& f = m.file();
    if (c.dModel % c.nHeads != 0 && !m.find(".attention.key_length"))
        return Error{fmt::format("{}: {} {} is not divisible by {} heads", f.path(),
                                 m.key(".embedding_length"), c.dModel, c.nHeads)};
    c.headDim = static_cast<int>(m.integer(".attention.key_length", 2, 1 << 16, c.dModel / c.nHeads));
    const auto valueLength = m.integer(".attention.value_length", 1, 1 << 16, c.headDim);
    const auto ropeDims = m.integer(".rope.dimension_count", 2, 1 << 16, c.headDim);
    if (!m.ok()) return Error{m.error()};
    if (valueLength != c.headDim)
        return Error{fmt::format("{}: {} {} differs from the key length {}; not supported", f.path(),
                                 m.key(".attention.value_length"), valueLength, c.headDim)};
    const bool partialAllowed = c.family == Family::Phi3 || c.family == Family::GptNeox;
    if (ropeDims > c.headDim || (ropeDims != c.headDim && !partialAllowed) || ropeDims % 2 != 0)
        return Error{fmt::format("{}: {} {} does not fit the head dimension {} ({})", f.path(),
                                 m.key(".rope.dimension_count"), ropeDims, c.headDim,
                                 partialAllowed ? "an even number up to it" : "RoPE on the whole head")};
    c.rotaryDim = ropeDims == c.headDim ? 0 : static_cast<int>(ropeDims);
    if (c.nHeads % c.nKvHeads != 0)
        return Error{fmt::format("{}: {} attention heads are not a multiple of {} key/value heads", f.path(),
                                 c.nHeads, c.nKvHeads)};
    if (c.family == Family::GptNeox && c.nKvHeads != c.nHeads)
        return Error{fmt::format("{}: gptneox with {} key/value heads for {} heads is not supported",
                                 f.path(), c.nKvHeads, c.nHeads)};
    return okStatus();
}

// Token ids, BOS handling and the vocabulary size as the embedded tokenizer defines them.
void readTokenizerKeys(const GgufFile& f, GgufMeta& m, ModelConfig& c) {
    const auto model = m.string("tokenizer.ggml.model");
    const bool spm = model && *model == "llama";
    auto id = [&](const char* key, std::optional<std::int32_t> fallback) -> std::optional<std::int32_t> {
        if (!f.find(key)) return fallback;
        return static_cast<std::int32_t>(m.integer(key, 0, c.vocabSize - 1, 0));
    };
    // llama.cpp's defaults for SentencePiece vocabularies.
    c.bosId = id("tokenizer.ggml.bos_token_id", spm ? std::optional<std::int32_t>(1) : std::nullopt);
    c.eosId = id("tokenizer.ggml.eos_token_id", spm ? std::optional<std::int32_t>(2) : std::nullopt);
    const auto pre = m.string("tokenizer.ggml.pre");
    c.addBos = m.boolean("tokenizer.ggml.add_bos_token").value_or(spm || (pre && *pre == "llama-bpe"));
    if (!c.bosId || *c.bosId >= c.vocabSize) {
        c.bosId.reset();
        c.addBos = false;
    }
    if (c.eosId && *c.eosId >= c.vocabSize) c.eosId.reset();
}

// What the tensors say that the keys do not: vocabulary, tied head, biases.
Status readFromTensors(const GgufFile& f, GgufMeta& m, ModelConfig& c) {
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
    c.qkvBias = f.findTensor("blk.0.attn_q.bias") || f.findTensor("blk.0.attn_qkv.bias");
    c.outputBias = f.findTensor("blk.0.attn_output.bias") != nullptr;
    readTokenizerKeys(f, m, c);
    if (!m.ok()) return Error{m.error()};
    return okStatus();
}

} // namespace

const char* ggufArchitectures() {
    return "llama, qwen2, qwen3, gemma, gemma2, gemma3, phi3, gptneox, olmo2";
}

Result<ModelConfig> readGgufConfig(const GgufFile& f) {
    GgufMeta top(f, "");
    const auto archName = top.string("general.architecture");
    if (!top.ok()) return Error{top.error()};
    if (!archName) return Error{fmt::format("{}: key 'general.architecture': missing", f.path())};
    const auto arch = std::find_if(std::begin(kArchs), std::end(kArchs),
                                   [&](const Arch& a) { return a.gguf == *archName; });
    if (arch == std::end(kArchs))
        return Error{fmt::format("{}: general.architecture is '{}'; SinkScope reads GGUF models of the "
                                 "architectures {}",
                                 f.path(), excerpt(*archName), ggufArchitectures())};
    GgufMeta m(f, std::string(arch->gguf));
    // Features the forward pass does not have: refuse rather than compute something else.
    if (m.integer(".expert_count", 0, kMaxDim, 0) > 0)
        return Error{fmt::format("{}: {}: mixture-of-experts models are not supported", f.path(),
                                 m.key(".expert_count"))};
    ModelConfig c;
    c.family = arch->family;
    c.modelType = arch->modelType;
    readShape(m, c);
    if (!m.ok()) return Error{m.error()};
    readWiring(m, c);
    if (!m.ok()) return Error{m.error()};
    if (auto s = readHeads(m, c); !s) return s.error();
    if (auto s = readRopeScaling(m, c); !s) return s.error();
    if (auto s = readWindows(m, c); !s) return s.error();
    if (auto s = readFromTensors(f, m, c); !s) return s.error();
    return c;
}

} // namespace sinkscope

#include "model/transformer.h"

#include "io/float_weights.h"
#include "model/attention.h"
#include "model/parallel_linear.h"

#include <ATen/core/grad_mode.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <set>
#include <tuple>

namespace sinkscope::detail {

namespace {

// Thrown by toTensor only, caught by weightsFromStore: a weight that cannot be used as it is.
struct BadWeight {
    Error error;
};

at::Tensor toTensor(const TensorRef& ref, at::Device device) {
    auto out = at::empty(ref.shape, at::TensorOptions().dtype(at::kFloat));
    if (auto s = toFloat32Checked(ref, out.data_ptr<float>()); !s) throw BadWeight{s.error()};
    return device.is_cpu() ? out : out.to(device);
}

std::optional<at::ScalarType> scalarTypeOf(DType d) {
    switch (d) {
    case DType::F32:
        return at::kFloat;
    case DType::F16:
        return at::kHalf;
    case DType::BF16:
        return at::kBFloat16;
    default:
        return std::nullopt;
    }
}

// Whether a large matrix is used in place rather than copied: BF16, F16 unless computing in bf16,
// and F32 only when it is already a converted buffer (dequantized GGUF, llama2.c). F32 from a file
// is copied as before, so its memory map can be closed.
bool usedInPlace(const TensorRef& ref, bool converted, WeightKeeping keeping) {
    if (ref.ggml >= 0) return keeping != WeightKeeping::Float32 && ref.shape.size() == 2;
    const auto stored = scalarTypeOf(ref.dtype);
    if (keeping == WeightKeeping::Float32 || !stored) return false;
    if (reinterpret_cast<std::uintptr_t>(ref.data) % at::elementSize(*stored) != 0) return false;
    if (*stored == at::kBFloat16) return true;
    if (*stored == at::kHalf) return keeping == WeightKeeping::Stored;
    return converted && keeping == WeightKeeping::Stored;
}

// A large matrix as WeightKeeping says: the stored bytes used in place (a tensor that keeps their
// owner alive) where usedInPlace, else a converted copy.
at::Tensor matrixTensor(const TensorRef& ref, const std::shared_ptr<const void>& owner, bool converted,
                        at::Device device, WeightKeeping keeping) {
    if (owner && usedInPlace(ref, converted, keeping)) {
        if (!converted) // converted buffers were checked when they were made
            if (auto s = checkFinite(ref); !s) throw BadWeight{s.error()};
        if (ref.ggml >= 0) { // block-quantized rows as bytes; splitLinear decodes them
            const at::ScalarType wanted = keeping == WeightKeeping::Bf16 ? at::kBFloat16 : at::kFloat;
            if (!device.is_cpu()) return toTensor(ref, device).to(wanted);
            const std::int64_t rows = ref.shape[0];
            return at::from_blob(
                const_cast<std::uint8_t*>(ref.data), {rows, static_cast<std::int64_t>(ref.nbytes) / rows},
                [owner](void*) {}, at::TensorOptions().dtype(at::kByte));
        }
        at::Tensor view = at::from_blob(
            const_cast<std::uint8_t*>(ref.data), ref.shape, [owner](void*) {},
            at::TensorOptions().dtype(*scalarTypeOf(ref.dtype)));
        return device.is_cpu() ? view : view.to(device);
    }
    at::Tensor full = toTensor(ref, device);
    return keeping == WeightKeeping::Bf16 ? full.to(at::kBFloat16) : full;
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
    return x * at::rsqrt(x.pow(2).mean(-1, true) + eps) * w;
}

// LayerNorm with bias, or RMSNorm (Gemma's 1 + w already folded into w at load).
at::Tensor norm(const ModelConfig& c, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    if (c.normKind == NormType::LayerNorm) return at::layer_norm(x, {x.size(-1)}, w, b, c.normEps);
    return rmsNorm(x, w, c.normEps);
}

at::Tensor activate(Activation a, const at::Tensor& x) {
    switch (a) {
    case Activation::GeluTanh:
        return at::gelu(x, "tanh");
    case Activation::GeluErf:
        return at::gelu(x);
    case Activation::Relu:
        return at::relu(x);
    case Activation::Silu:
        break;
    }
    return at::silu(x);
}

// cos/sin of RoPE angles [T, hd/2] for absolute positions startPos .. startPos+T-1; computed once
// per forward pass and shared by every layer's queries and keys. The frequencies follow the
// config's rope_scaling for a pass whose sequence is `seqLen` long (only dynamic NTK depends on
// it), and yarn's attention factor scales cos and sin as HF's rotary embedding does.
struct RopeTables {
    at::Tensor cos, sin;
};

// The RoPE of a layer: Gemma 3's windowed layers turn with their own base and no scaling.
struct RopeKind {
    RopeScaling scaling;
    double theta = 0.0;
};

RopeKind ropeKindOf(const ModelConfig& c, int layer) {
    if (c.localRopeTheta > 0 && c.windowOf(layer) > 0) return {RopeScaling{}, c.localRopeTheta};
    return {c.rope, c.ropeTheta};
}

RopeTables ropeTables(const ModelConfig& c, const RopeKind& kind, std::int64_t startPos, std::int64_t T,
                      std::int64_t seqLen, const at::Tensor& like) {
    auto opts = at::TensorOptions().dtype(at::kDouble);
    std::vector<double> freqs =
        ropeInverseFrequencies(kind.scaling, kind.theta, c.rotaryDims(), c.maxPositions, seqLen);
    const auto half = static_cast<std::int64_t>(freqs.size());
    auto invFreq = at::from_blob(freqs.data(), {half}, opts).clone().to(like.device());
    auto angles =
        at::arange(startPos, startPos + T, opts.device(like.device())).unsqueeze(1) * invFreq.unsqueeze(0);
    const double scale = ropeAttentionScaling(kind.scaling);
    auto cos = angles.cos(), sin = angles.sin();
    if (scale != 1.0) {
        cos.mul_(scale);
        sin.mul_(scale);
    }
    return {cos.to(like.scalar_type()), sin.to(like.scalar_type())};
}

// Rotate-half RoPE on [B, H, T, hd]; with partial rotary (GPT-NeoX, Phi-3) only the first
// rotary dimensions turn, rotate-half within them, and the rest pass through.
at::Tensor applyRope(const at::Tensor& x, const RopeTables& r) {
    const std::int64_t half = r.cos.size(-1), hd = x.size(3);
    auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    auto turned = at::cat({x1 * r.cos - x2 * r.sin, x2 * r.cos + x1 * r.sin}, -1);
    if (2 * half == hd) return turned;
    return at::cat({turned, x.narrow(-1, 2 * half, hd - 2 * half)}, -1);
}

// Below this many tokens a pass does not pay for concatenating weights (the trainer's unfused
// weights; inference weights are stacked once by fuseProjections).
constexpr std::int64_t kFuseRows = 512;

// q [B, H, T, hd], k and v [B, Hkv, T, hd], as views of one q|k|v product when the weights are
// stacked (always for inference weights, on long passes for the trainer's).
std::tuple<at::Tensor, at::Tensor, at::Tensor> projectQkv(const ModelConfig& c, const LayerWeights& lw,
                                                          const at::Tensor& h) {
    const std::int64_t B = h.size(0), T = h.size(1), hd = c.headDim;
    at::Tensor q, k, v;
    at::Tensor qkv;
    if (lw.wqkv.defined())
        qkv = splitLinear(h, lw.wqkv, lw.bqkv);
    else if (B * T >= kFuseRows && !lw.bq.defined() && lw.wq.scalar_type() == at::kFloat)
        qkv = splitLinear(h, at::cat({lw.wq, lw.wk, lw.wv}, 0));
    if (qkv.defined()) {
        const std::int64_t nq = c.nHeads * hd, nkv = c.nKvHeads * hd;
        q = qkv.narrow(-1, 0, nq);
        k = qkv.narrow(-1, nq, nkv);
        v = qkv.narrow(-1, nq + nkv, nkv);
    } else {
        q = splitLinear(h, lw.wq, lw.bq);
        k = splitLinear(h, lw.wk, lw.bk);
        v = splitLinear(h, lw.wv, lw.bv);
    }
    if (c.qkNorm == QkNorm::FullWidth) { // OLMo-2: over all heads of the projection, before RoPE
        q = rmsNorm(q, lw.qNorm, c.normEps);
        k = rmsNorm(k, lw.kNorm, c.normEps);
    }
    return {q.reshape({B, T, c.nHeads, hd}).transpose(1, 2),
            k.reshape({B, T, c.nKvHeads, hd}).transpose(1, 2),
            v.reshape({B, T, c.nKvHeads, hd}).transpose(1, 2)};
}

at::Tensor mlp(const ModelConfig& c, const LayerWeights& lw, const at::Tensor& h) {
    if (!c.gatedMlp)
        return splitLinear(activate(c.activation, splitLinear(h, lw.wUp, lw.bUp)), lw.wDown, lw.bDown);
    // One GEMM for gate and up: wider products run faster than two narrow ones.
    if (lw.wGateUp.defined()) { // inference: the product may overwrite the activation's output
        const auto gu = splitLinear(h, lw.wGateUp).chunk(2, -1);
        return splitLinear(activate(c.activation, gu[0]).mul_(gu[1]), lw.wDown);
    }
    if (h.size(0) * h.size(1) >= kFuseRows && lw.wGate.scalar_type() == at::kFloat) {
        const auto gu = splitLinear(h, at::cat({lw.wGate, lw.wUp}, 0)).chunk(2, -1);
        return splitLinear(activate(c.activation, gu[0]) * gu[1], lw.wDown);
    }
    return splitLinear(activate(c.activation, splitLinear(h, lw.wGate)) * splitLinear(h, lw.wUp), lw.wDown);
}

void reportNorms(ForwardObserver* obs, int state, std::int64_t start, const at::Tensor& x) {
    at::Tensor n = x[0].norm(2, -1).to(at::kCPU).contiguous();
    obs->onHiddenNorms(state, start, n.data_ptr<float>(), n.size(0));
}

void reportKvNorms(const ModelConfig& c, ForwardObserver* obs, int layer, std::int64_t start,
                   const at::Tensor& k, const at::Tensor& v) {
    at::Tensor kn = k[0].norm(2, -1).to(at::kCPU).contiguous(); // [nKv, T]
    at::Tensor vn = v[0].norm(2, -1).to(at::kCPU).contiguous();
    for (int h = 0; h < c.nHeads; ++h) {
        const int kv = h / c.groupSize();
        obs->onKvNorms(layer, h, start, kn[kv].data_ptr<float>(), vn[kv].data_ptr<float>(), kn.size(1));
    }
}

// Appends new keys/values to the cache (growing it geometrically) and returns all of them.
std::pair<at::Tensor, at::Tensor> appendToCache(KvCache& cache, int layer, const at::Tensor& k,
                                                const at::Tensor& v) {
    const std::int64_t T = k.size(2), need = cache.length + T;
    at::Tensor& ck = cache.k[static_cast<std::size_t>(layer)];
    at::Tensor& cv = cache.v[static_cast<std::size_t>(layer)];
    if (!ck.defined() || ck.size(2) < need) {
        const std::int64_t cap =
            std::max<std::int64_t>({need, cache.capacity, ck.defined() ? 2 * ck.size(2) : 0, 16});
        auto grow = [&](at::Tensor& old, const at::Tensor& like) {
            at::Tensor t = at::empty({like.size(0), like.size(1), cap, like.size(3)}, like.options());
            if (old.defined() && cache.length > 0)
                t.narrow(2, 0, cache.length).copy_(old.narrow(2, 0, cache.length));
            old = t;
        };
        grow(ck, k);
        grow(cv, v);
    }
    ck.narrow(2, cache.length, T).copy_(k);
    cv.narrow(2, cache.length, T).copy_(v);
    return {ck.narrow(2, 0, need), cv.narrow(2, 0, need)};
}

} // namespace

void fuseProjections(TransformerWeights& w) {
    // Stacks the tensors row-wise and points each at its rows of the stack.
    auto stack = [](std::initializer_list<at::Tensor*> parts) {
        std::vector<at::Tensor> list;
        for (const at::Tensor* t : parts)
            list.push_back(*t);
        at::Tensor all = at::cat(list, 0);
        std::int64_t row = 0;
        for (at::Tensor* t : parts) {
            const std::int64_t n = t->size(0);
            *t = all.narrow(0, row, n);
            row += n;
        }
        return all;
    };
    auto copies = [&](std::initializer_list<const at::Tensor*> parts) {
        for (const at::Tensor* t : parts)
            if (!t->defined() || t->scalar_type() != at::kFloat || w.inPlace.count(t->data_ptr()))
                return false;
        return true;
    };
    for (auto& l : w.layers) {
        if (l.wqkv.defined()) continue; // loaded fused (Phi-3): already one tensor
        if (!copies({&l.wq, &l.wk, &l.wv})) continue;
        l.wqkv = stack({&l.wq, &l.wk, &l.wv});
        if (l.bq.defined() && l.bk.defined() && l.bv.defined())
            l.bqkv = stack({&l.bq, &l.bk, &l.bv});
        else if (l.bq.defined() || l.bk.defined() || l.bv.defined())
            l.wqkv = at::Tensor(); // mixed biases: unfused
    }
    for (auto& l : w.layers)
        if (l.wGate.defined() && l.wUp.defined() && !l.wGateUp.defined() && copies({&l.wGate, &l.wUp}))
            l.wGateUp = stack({&l.wGate, &l.wUp});
}

std::vector<at::Tensor> TransformerWeights::parameters() const {
    std::vector<at::Tensor> out;
    std::set<const void*> seen;
    auto add = [&](const at::Tensor& t) {
        if (t.defined() && seen.insert(t.unsafeGetTensorImpl()).second) out.push_back(t);
    };
    add(embed);
    add(posEmbed);
    add(projectIn);
    add(projectOut);
    for (const auto& l : layers)
        for (const auto* t :
             {&l.norm1W, &l.norm1B, &l.norm2W, &l.norm2B, &l.wq,        &l.wk,      &l.wv,    &l.wo,
              &l.bq,     &l.bk,     &l.bv,     &l.bo,     &l.qNorm,     &l.kNorm,   &l.wGate, &l.wUp,
              &l.wDown,  &l.bUp,    &l.bDown,  &l.sinks,  &l.postAttnW, &l.postMlpW})
            add(*t);
    add(finalW);
    add(finalB);
    add(lmHead);
    return out;
}

namespace {

// Reads tensors by name: small ones (norms, biases, positions) as float32 on the device, the large
// matrices as WeightKeeping says.
// Bytes of tensors prepared so far, reported to the caller's progress callback (which may cancel).
struct LoadTicker {
    const std::function<bool(std::int64_t, std::int64_t)>* callback = nullptr;
    std::int64_t done = 0, total = 0;
    void tick(const TensorRef& ref) {
        done += static_cast<std::int64_t>(ref.nbytes);
        if (callback && *callback && !(*callback)(std::min(done, total), total))
            throw BadWeight{Error{"loading the model was cancelled"}};
    }
};

struct Loader {
    const WeightStore& store;
    at::Device device;
    WeightKeeping keeping = WeightKeeping::Float32;
    LoadTicker* ticker = nullptr;
    at::Tensor get(const std::string& name) const {
        at::Tensor t = toTensor(*store.find(name), device);
        if (ticker) ticker->tick(*store.find(name));
        return t;
    }
    at::Tensor opt(const std::string& name) const { return store.find(name) ? get(name) : at::Tensor(); }
    TransformerWeights* out = nullptr; // records the matrices used in place, and which are quantized
    at::Tensor matrix(const std::string& name) const {
        const TensorRef& ref = *store.find(name);
        at::Tensor t = matrixTensor(ref, store.owner(name), store.converted(name), device, keeping);
        if (out && t.device().is_cpu() && usedInPlace(ref, store.converted(name), keeping)) {
            out->inPlace.insert(t.data_ptr());
            if (ref.ggml >= 0)
                out->quantized[t.data_ptr()] = {static_cast<std::uint32_t>(ref.ggml), ref.shape[1]};
        }
        if (ticker) ticker->tick(ref);
        return t;
    }
    // A matrix the builder rearranges (fused projections split per head): never kept quantized.
    at::Tensor dense(const std::string& name) const {
        const TensorRef& ref = *store.find(name);
        if (ref.ggml < 0) return matrix(name);
        at::Tensor t = toTensor(ref, device);
        if (ticker) ticker->tick(ref);
        return keeping == WeightKeeping::Bf16 ? t.to(at::kBFloat16) : t;
    }
};

void buildGpt2(const ModelConfig& c, const Loader& in, TransformerWeights& w) {
    const std::int64_t D = c.dModel;
    w.embed = in.matrix("wte.weight");
    w.posEmbed = in.get("wpe.weight");
    w.finalW = in.get("ln_f.weight");
    w.finalB = in.get("ln_f.bias");
    for (int l = 0; l < c.nLayers; ++l) {
        auto& lw = w.layers[static_cast<std::size_t>(l)];
        const auto p = fmt::format("h.{}.", l);
        lw.norm1W = in.get(p + "ln_1.weight");
        lw.norm1B = in.get(p + "ln_1.bias");
        lw.norm2W = in.get(p + "ln_2.weight");
        lw.norm2B = in.get(p + "ln_2.bias");
        // Conv1D stores [in, out]; split the fused q|k|v and transpose to [out, in].
        const at::Tensor qkv = in.dense(p + "attn.c_attn.weight"), qkvB = in.get(p + "attn.c_attn.bias");
        lw.wq = qkv.narrow(1, 0, D).t().contiguous();
        lw.wk = qkv.narrow(1, D, D).t().contiguous();
        lw.wv = qkv.narrow(1, 2 * D, D).t().contiguous();
        lw.bq = qkvB.narrow(0, 0, D).contiguous();
        lw.bk = qkvB.narrow(0, D, D).contiguous();
        lw.bv = qkvB.narrow(0, 2 * D, D).contiguous();
        lw.wo = in.dense(p + "attn.c_proj.weight").t().contiguous();
        lw.bo = in.get(p + "attn.c_proj.bias");
        lw.wUp = in.dense(p + "mlp.c_fc.weight").t().contiguous();
        lw.bUp = in.get(p + "mlp.c_fc.bias");
        lw.wDown = in.dense(p + "mlp.c_proj.weight").t().contiguous();
        lw.bDown = in.get(p + "mlp.c_proj.bias");
    }
    w.lmHead = w.embed;
}

// GPT-NeoX's query_key_value rows are grouped per head: [q_h | k_h | v_h] for each head h
// (GPTNeoXAttention views the product as [.., H, 3 * head_dim] before splitting).
void buildGptNeox(const ModelConfig& c, const Loader& in, TransformerWeights& w) {
    const std::int64_t H = c.nHeads, hd = c.headDim, D = c.dModel;
    w.embed = in.matrix("gpt_neox.embed_in.weight");
    w.finalW = in.get("gpt_neox.final_layer_norm.weight");
    w.finalB = in.get("gpt_neox.final_layer_norm.bias");
    for (int l = 0; l < c.nLayers; ++l) {
        auto& lw = w.layers[static_cast<std::size_t>(l)];
        const auto p = fmt::format("gpt_neox.layers.{}.", l);
        lw.norm1W = in.get(p + "input_layernorm.weight");
        lw.norm1B = in.get(p + "input_layernorm.bias");
        lw.norm2W = in.get(p + "post_attention_layernorm.weight");
        lw.norm2B = in.get(p + "post_attention_layernorm.bias");
        const at::Tensor qkv = in.dense(p + "attention.query_key_value.weight").view({H, 3, hd, D});
        lw.wq = qkv.select(1, 0).reshape({H * hd, D}).contiguous();
        lw.wk = qkv.select(1, 1).reshape({H * hd, D}).contiguous();
        lw.wv = qkv.select(1, 2).reshape({H * hd, D}).contiguous();
        if (const at::Tensor b = in.opt(p + "attention.query_key_value.bias"); b.defined()) {
            const at::Tensor bv = b.view({H, 3, hd});
            lw.bq = bv.select(1, 0).reshape({H * hd}).contiguous();
            lw.bk = bv.select(1, 1).reshape({H * hd}).contiguous();
            lw.bv = bv.select(1, 2).reshape({H * hd}).contiguous();
        }
        lw.wo = in.matrix(p + "attention.dense.weight");
        lw.bo = in.opt(p + "attention.dense.bias");
        lw.wUp = in.matrix(p + "mlp.dense_h_to_4h.weight");
        lw.bUp = in.get(p + "mlp.dense_h_to_4h.bias");
        lw.wDown = in.matrix(p + "mlp.dense_4h_to_h.weight");
        lw.bDown = in.get(p + "mlp.dense_4h_to_h.bias");
    }
    w.lmHead = c.tieEmbeddings ? w.embed : in.matrix("embed_out.weight");
}

void buildOpt(const ModelConfig& c, const Loader& in, TransformerWeights& w) {
    w.embed = in.matrix("decoder.embed_tokens.weight");
    w.posEmbed = in.get("decoder.embed_positions.weight");
    w.projectIn = in.opt("decoder.project_in.weight");
    w.projectOut = in.opt("decoder.project_out.weight");
    if (c.finalNorm) {
        w.finalW = in.get("decoder.final_layer_norm.weight");
        w.finalB = in.get("decoder.final_layer_norm.bias");
    }
    for (int l = 0; l < c.nLayers; ++l) {
        auto& lw = w.layers[static_cast<std::size_t>(l)];
        const auto p = fmt::format("decoder.layers.{}.", l);
        lw.wq = in.matrix(p + "self_attn.q_proj.weight");
        lw.wk = in.matrix(p + "self_attn.k_proj.weight");
        lw.wv = in.matrix(p + "self_attn.v_proj.weight");
        lw.wo = in.matrix(p + "self_attn.out_proj.weight");
        lw.bq = in.opt(p + "self_attn.q_proj.bias");
        lw.bk = in.opt(p + "self_attn.k_proj.bias");
        lw.bv = in.opt(p + "self_attn.v_proj.bias");
        lw.bo = in.opt(p + "self_attn.out_proj.bias");
        lw.norm1W = in.get(p + "self_attn_layer_norm.weight");
        lw.norm1B = in.get(p + "self_attn_layer_norm.bias");
        lw.norm2W = in.get(p + "final_layer_norm.weight");
        lw.norm2B = in.get(p + "final_layer_norm.bias");
        lw.wUp = in.matrix(p + "fc1.weight");
        lw.bUp = in.opt(p + "fc1.bias");
        lw.wDown = in.matrix(p + "fc2.weight");
        lw.bDown = in.opt(p + "fc2.bias");
    }
    w.lmHead = c.tieEmbeddings ? w.embed : in.matrix("lm_head.weight");
}

// Llama, Mistral, Qwen2/3, Gemma 1-3, Phi-3 and OLMo-2 (model.layers.N. names).
void buildDecoder(const ModelConfig& c, const Loader& in, TransformerWeights& w) {
    const std::int64_t Q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t KV = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    w.embed = in.matrix("model.embed_tokens.weight");
    w.finalW = in.get("model.norm.weight");
    for (int l = 0; l < c.nLayers; ++l) {
        auto& lw = w.layers[static_cast<std::size_t>(l)];
        const auto p = fmt::format("model.layers.{}.", l);
        if (c.family == Family::Phi3) { // fused rows: q | k | v, and gate | up (chunked in that order)
            lw.wqkv = in.matrix(p + "self_attn.qkv_proj.weight");
            lw.wq = lw.wqkv.narrow(0, 0, Q);
            lw.wk = lw.wqkv.narrow(0, Q, KV);
            lw.wv = lw.wqkv.narrow(0, Q + KV, KV);
            lw.wGateUp = in.matrix(p + "mlp.gate_up_proj.weight");
            lw.wGate = lw.wGateUp.narrow(0, 0, c.dFf);
            lw.wUp = lw.wGateUp.narrow(0, c.dFf, c.dFf);
        } else {
            lw.wq = in.matrix(p + "self_attn.q_proj.weight");
            lw.wk = in.matrix(p + "self_attn.k_proj.weight");
            lw.wv = in.matrix(p + "self_attn.v_proj.weight");
            lw.bq = in.opt(p + "self_attn.q_proj.bias");
            lw.bk = in.opt(p + "self_attn.k_proj.bias");
            lw.bv = in.opt(p + "self_attn.v_proj.bias");
            lw.wGate = in.matrix(p + "mlp.gate_proj.weight");
            lw.wUp = in.matrix(p + "mlp.up_proj.weight");
        }
        lw.wo = in.matrix(p + "self_attn.o_proj.weight");
        lw.bo = in.opt(p + "self_attn.o_proj.bias");
        lw.wDown = in.matrix(p + "mlp.down_proj.weight");
        lw.sinks = in.opt(p + "self_attn.sinks");
        if (c.qkNorm != QkNorm::None) {
            lw.qNorm = in.get(p + "self_attn.q_norm.weight");
            lw.kNorm = in.get(p + "self_attn.k_norm.weight");
        }
        switch (c.layout) {
        case BlockLayout::Sandwich:
            lw.norm1W = in.get(p + "input_layernorm.weight");
            lw.postAttnW = in.get(p + "post_attention_layernorm.weight");
            lw.norm2W = in.get(p + "pre_feedforward_layernorm.weight");
            lw.postMlpW = in.get(p + "post_feedforward_layernorm.weight");
            break;
        case BlockLayout::PostSublayer:
            lw.postAttnW = in.get(p + "post_attention_layernorm.weight");
            lw.postMlpW = in.get(p + "post_feedforward_layernorm.weight");
            break;
        default:
            lw.norm1W = in.get(p + "input_layernorm.weight");
            lw.norm2W = in.get(p + "post_attention_layernorm.weight");
        }
    }
    w.lmHead = c.tieEmbeddings ? w.embed : in.matrix("lm_head.weight");
}

// Gemma's RMSNorm multiplies by (1 + w) (GemmaRMSNorm); folding the 1 in once lets every RMSNorm
// share one code path.
void foldPlusOne(TransformerWeights& w) {
    auto fold = [](at::Tensor& t) {
        if (t.defined()) t = t + 1.0;
    };
    fold(w.finalW);
    for (auto& l : w.layers)
        for (at::Tensor* t : {&l.norm1W, &l.norm2W, &l.postAttnW, &l.postMlpW, &l.qNorm, &l.kNorm})
            fold(*t);
}

TransformerWeights buildWeights(const ModelConfig& c, const WeightStore& store, at::Device device,
                                WeightKeeping keeping,
                                const std::function<bool(std::int64_t, std::int64_t)>& progress) {
    TransformerWeights w;
    LoadTicker ticker{&progress};
    for (const auto& name : store.names())
        ticker.total += static_cast<std::int64_t>(store.find(name)->nbytes);
    const Loader in{store, device, keeping, &ticker, &w};
    w.compute = keeping == WeightKeeping::Bf16 ? at::kBFloat16 : at::kFloat;
    w.layers.resize(static_cast<std::size_t>(c.nLayers));
    switch (c.family) {
    case Family::Gpt2:
        buildGpt2(c, in, w);
        break;
    case Family::GptNeox:
        buildGptNeox(c, in, w);
        break;
    case Family::Opt:
        buildOpt(c, in, w);
        break;
    default:
        buildDecoder(c, in, w);
    }
    if (c.normKind == NormType::RmsPlusOne) foldPlusOne(w);
    // Tensors the model does not use (e.g. a tied head stored twice) were never ticked: say done.
    if (progress) (void)progress(ticker.total, ticker.total);
    return w;
}

} // namespace

std::int64_t predictedWeightBytes(const WeightStore& store, WeightKeeping keeping) {
    std::int64_t bytes = 0;
    for (const auto& name : store.names()) {
        const TensorRef& ref = *store.find(name);
        const bool matrix = ref.shape.size() == 2;
        if (matrix && usedInPlace(ref, store.converted(name), keeping)) continue;
        bytes += ref.numel() * (matrix && keeping == WeightKeeping::Bf16 ? 2 : 4);
    }
    return bytes;
}

Result<TransformerWeights> weightsFromStore(const ModelConfig& c, const WeightStore& store, at::Device device,
                                            WeightKeeping keeping,
                                            const std::function<bool(std::int64_t, std::int64_t)>& progress) {
    try {
        return buildWeights(c, store, device, keeping, progress);
    } catch (const BadWeight& e) {
        return e.error;
    }
}

namespace {

// The rows of a block-quantized embedding for tokens [B, T] (on the CPU), decoded one by one.
at::Tensor quantizedEmbedding(const at::Tensor& embed, const at::Tensor& tokens) {
    const at::Tensor ids = tokens.to(at::kCPU, at::kLong).contiguous();
    std::vector<at::Tensor> rows;
    rows.reserve(static_cast<std::size_t>(ids.numel()));
    const std::int64_t* id = ids.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < ids.numel(); ++i)
        rows.push_back(dequantizeRows(embed, id[i], 1));
    std::vector<std::int64_t> shape = tokens.sizes().vec();
    shape.push_back(rows.empty() ? 0 : rows.front().size(1));
    return at::cat(rows, 0).view(shape);
}

// A weight as float32 on the CPU, whatever it is kept as.
at::Tensor floatWeight(const at::Tensor& t) {
    return t.scalar_type() == at::kByte ? dequantizeRows(t, 0, t.size(0)) : t.to(at::kCPU, at::kFloat);
}

void reportHeadValues(const ModelConfig& c, const LayerWeights& lw, ForwardObserver* obs, int layer,
                      std::int64_t first, const at::Tensor& v) {
    const at::Tensor values = v[0].to(at::kCPU, at::kFloat).contiguous(); // [nKv, T, hd]
    const at::Tensor wo = floatWeight(lw.wo);                             // [D, nH * hd]
    const std::int64_t hd = c.headDim;
    for (int h = 0; h < c.nHeads; ++h) {
        const at::Tensor vh = values[h / c.groupSize()];
        obs->onHeadValues(layer, h, first, vh.data_ptr<float>(), vh.size(0), hd);
        const at::Tensor slice = wo.narrow(1, h * hd, hd).contiguous();
        obs->onOutputProjection(layer, h, slice.data_ptr<float>(), slice.size(0), hd);
    }
}

void reportStates(ForwardObserver* obs, int state, std::int64_t first, const at::Tensor& x) {
    at::Tensor h = x[0].to(at::kCPU, at::kFloat).contiguous();
    obs->onHiddenStates(state, first, h.data_ptr<float>(), h.size(0), h.size(1));
}

bool inferencePass(const at::Tensor& x) {
    return !x.requires_grad() && !at::GradMode::is_enabled();
}

at::Tensor runLayers(const ModelConfig& c, const TransformerWeights& w, at::Tensor x, int firstLayer,
                     ForwardContext& ctx) {
    const BlasThreadScope oneThreadPool(inferencePass(x));
    const ComputeScope precision(w.compute, &w.quantized);
    const std::int64_t B = x.size(0), T = x.size(1), hd = c.headDim;
    KvCache* cache = ctx.cache;
    const std::int64_t slot = cache ? cache->length : 0; // cache slot of the first new token
    const std::int64_t pos = ctx.positionStart >= 0 ? ctx.positionStart : slot;
    // Observers index tokens by their position in the text, also after a streaming cache evicted.
    const std::int64_t shownPos =
        cache && !cache->positions.empty() ? cache->positions[static_cast<std::size_t>(slot)] : pos;
    ForwardObserver* obs = B == 1 ? ctx.observer : nullptr;
    const bool norms = obs && obs->wantsHiddenNorms();
    const bool states = obs && obs->wantsHiddenStates();
    if (cache && cache->k.size() != static_cast<std::size_t>(c.nLayers)) {
        cache->k.resize(static_cast<std::size_t>(c.nLayers));
        cache->v.resize(static_cast<std::size_t>(c.nLayers));
    }
    if (ctx.residuals) ctx.residuals->resize(static_cast<std::size_t>(c.nLayers + 1));

    const bool rotary = c.usesRope();
    const bool rotateAtAttention = rotary && cache && cache->unrotatedKeys;
    // Dynamic NTK's sequence length, as HF's rotary embedding takes it: the highest position of
    // the pass + 1 (cached keys keep the rotation of the pass that computed them), unless the
    // caller feeds one long pass in chunks. Rotated at attention time, all keys and queries of
    // the pass share the frequencies of its last slot.
    const std::int64_t ropeLength = ctx.ropeLength > 0 ? ctx.ropeLength : pos + T;
    // One set of tables per RoPE kind (Gemma 3's local layers have their own), made on first use.
    struct Tables {
        RopeTables rope, keyRope;
        bool made = false;
    };
    Tables tables[2];
    auto tablesFor = [&](int layer) -> const Tables& {
        const bool local = c.localRopeTheta > 0 && c.windowOf(layer) > 0;
        Tables& t = tables[local ? 1 : 0];
        if (!t.made) {
            const RopeKind kind = ropeKindOf(c, layer);
            t.rope = ropeTables(c, kind, pos, T, ropeLength, x);
            if (rotateAtAttention) t.keyRope = ropeTables(c, kind, 0, slot + T, ropeLength, x);
            t.made = true;
        }
        return t;
    };
    const std::vector<std::int64_t>* slotPositions = cache && cache->evicted() ? &cache->positions : nullptr;
    // The stream is updated in place once this pass owns it: not the caller's tensor (a prepared
    // prompt's kept stream), not one kept in ctx.residuals, not part of an autograd graph.
    bool ownStream = false;
    auto addResidual = [&](at::Tensor& stream, const at::Tensor& y) {
        if (ownStream) {
            stream.add_(y);
            return;
        }
        stream = stream + y;
        ownStream = !ctx.residuals && !stream.requires_grad();
    };
    auto postNorm = [&](const at::Tensor& y, const at::Tensor& weight) {
        return weight.defined() ? rmsNorm(y, weight, c.normEps) : y;
    };
    const int endLayer = ctx.lastLayer >= 0 ? std::min(ctx.lastLayer + 1, c.nLayers) : c.nLayers;
    for (int l = firstLayer; l < endLayer; ++l) {
        // Stopped by the caller (Esc), who discards this pass: no further layer, report or cache update.
        if (obs && obs->cancelled()) return x;
        const auto& lw = w.layers[static_cast<std::size_t>(l)];
        if (ctx.residuals) (*ctx.residuals)[static_cast<std::size_t>(l)] = x;
        if (norms) reportNorms(obs, l, shownPos, x);
        if (states) reportStates(obs, l, shownPos, x);
        // OLMo-2 and post-LN OPT normalise sublayer outputs (or sums) instead of inputs.
        const bool preNorm = c.layout != BlockLayout::PostSublayer && c.layout != BlockLayout::PostLn;
        const at::Tensor h = preNorm ? norm(c, x, lw.norm1W, lw.norm1B) : x;
        auto [q, k, v] = projectQkv(c, lw, h);
        if (c.qkNorm == QkNorm::PerHead) { // Qwen3, Gemma 3: each head over head_dim, before RoPE
            q = rmsNorm(q, lw.qNorm, c.normEps);
            k = rmsNorm(k, lw.kNorm, c.normEps);
        }
        if (rotary) {
            const Tables& t = tablesFor(l);
            q = applyRope(q, t.rope);
            if (!rotateAtAttention) k = applyRope(k, t.rope);
        }
        if (obs && obs->wantsKvNorms(l)) reportKvNorms(c, obs, l, shownPos, k, v);
        if (obs && obs->wantsHeadValues(l)) reportHeadValues(c, lw, obs, l, shownPos, v);
        if (cache) std::tie(k, v) = appendToCache(*cache, l, k, v);
        if (rotateAtAttention) k = applyRope(k, tablesFor(l).keyRope);

        AttentionInputs in{q, k, v, lw.sinks, slot, l, ctx.interventions, slotPositions};
        at::Tensor a = attend(c, in, obs).transpose(1, 2).reshape({B, T, c.nHeads * hd});
        const at::Tensor attnOut = splitLinear(a, lw.wo, lw.bo);
        switch (c.layout) {
        case BlockLayout::Parallel: { // GPT-NeoX: both sublayers read the same input
            const at::Tensor m = mlp(c, lw, norm(c, x, lw.norm2W, lw.norm2B));
            addResidual(x, attnOut);
            addResidual(x, m);
            break;
        }
        case BlockLayout::PostLn: // OPT-350m: the norm follows each residual sum
            x = norm(c, x + attnOut, lw.norm1W, lw.norm1B);
            x = norm(c, x + mlp(c, lw, x), lw.norm2W, lw.norm2B);
            ownStream = false;
            break;
        case BlockLayout::PostSublayer:
            addResidual(x, postNorm(attnOut, lw.postAttnW));
            addResidual(x, postNorm(mlp(c, lw, x), lw.postMlpW));
            break;
        default: // PreNorm, and Gemma's Sandwich with post-norms on both outputs
            addResidual(x, postNorm(attnOut, lw.postAttnW));
            addResidual(x, postNorm(mlp(c, lw, norm(c, x, lw.norm2W, lw.norm2B)), lw.postMlpW));
        }
    }
    if (endLayer < c.nLayers) return x; // stopped early: the layers after it were not run
    if (ctx.residuals) (*ctx.residuals)[static_cast<std::size_t>(c.nLayers)] = x;
    if (norms) reportNorms(obs, c.nLayers, shownPos, x);
    if (states) reportStates(obs, c.nLayers, shownPos, x);
    if (cache) cache->length += T;
    return c.finalNorm ? norm(c, x, w.finalW, w.finalB) : x;
}

} // namespace

void KvCache::evictMiddle(std::int64_t keepFirst, std::int64_t keepLast) {
    if (keepFirst + keepLast >= length) return;
    const std::int64_t from = length - keepLast;
    for (auto* side : {&k, &v})
        for (auto& t : *side)
            if (t.defined() && keepLast > 0)
                t.narrow(2, keepFirst, keepLast)
                    .copy_(t.narrow(2, from, keepLast).clone()); // ranges may overlap
    if (positions.empty())
        for (std::int64_t i = 0; i < length; ++i)
            positions.push_back(i);
    positions.erase(positions.begin() + keepFirst, positions.begin() + from);
    length = keepFirst + keepLast;
}

namespace {

// The rows of x [B, T, D] (positions pos .. pos + T - 1) that the override names, replaced.
at::Tensor spliceEmbeddings(const at::Tensor& x, const EmbeddingOverride& e, std::int64_t pos) {
    std::vector<std::int64_t> local, rows;
    for (std::size_t i = 0; i < e.positions.size(); ++i)
        if (e.positions[i] >= pos && e.positions[i] < pos + x.size(1)) {
            local.push_back(e.positions[i] - pos);
            rows.push_back(static_cast<std::int64_t>(i));
        }
    if (local.empty()) return x;
    const at::Tensor where = at::tensor(local, at::kLong).to(x.device());
    const at::Tensor pick = at::tensor(rows, at::kLong).to(x.device());
    // [n, D]: one image for every sequence; [B, n, D]: one per sequence (the trainer's batches).
    const at::Tensor src =
        e.rows.dim() == 3
            ? e.rows.index_select(1, pick).to(x.scalar_type())
            : e.rows.index_select(0, pick).to(x.scalar_type()).unsqueeze(0).expand({x.size(0), -1, -1});
    return x.index_copy(1, where, src);
}

} // namespace

at::Tensor forwardHidden(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& tokens,
                         ForwardContext& ctx) {
    const std::int64_t T = tokens.size(1);
    const std::int64_t pos = ctx.positionStart >= 0 ? ctx.positionStart : (ctx.cache ? ctx.cache->length : 0);
    const ComputeScope precision(w.compute, &w.quantized);
    // Rows of an embedding kept in BF16/F16 come out in that dtype; the residual stream is float32.
    at::Tensor x = w.embed.scalar_type() == at::kByte ? quantizedEmbedding(w.embed, tokens)
                                                      : at::embedding(w.embed, tokens).to(at::kFloat);
    // LLaVA's image features enter as inputs_embeds, before any scaling the model applies to them.
    if (ctx.embeds) x = spliceEmbeddings(x, *ctx.embeds, pos);
    // Gemma: times sqrt(hidden) rounded to the activations' type, as GemmaModel's normalizer.
    if (c.embedScale) x = x * static_cast<float>(std::sqrt(static_cast<double>(c.dModel)));
    if (w.projectIn.defined()) x = splitLinear(x, w.projectIn);
    // Learned positions; OPT's table starts at row 2 (OPTLearnedPositionalEmbedding's offset).
    if (c.learnedPositions()) x = x + w.posEmbed.narrow(0, pos + c.positionOffset, T);
    return runLayers(c, w, x, 0, ctx);
}

at::Tensor forwardFromLayer(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& x,
                            int firstLayer, ForwardContext& ctx) {
    return runLayers(c, w, x, firstLayer, ctx);
}

at::Tensor projectLogits(const ModelConfig& c, const TransformerWeights& w, const at::Tensor& hidden) {
    const BlasThreadScope oneThreadPool(inferencePass(hidden));
    const ComputeScope precision(w.compute, &w.quantized);
    at::Tensor logits =
        splitLinear(w.projectOut.defined() ? splitLinear(hidden, w.projectOut) : hidden, w.lmHead);
    if (c.finalSoftcap > 0) // Gemma 2: cap * tanh(logits / cap)
        logits = at::tanh(logits / c.finalSoftcap) * c.finalSoftcap;
    return logits;
}

} // namespace sinkscope::detail

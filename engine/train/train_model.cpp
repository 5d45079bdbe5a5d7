#include "train/train_model.h"
#include "core/atomic_file.h"

#include "core/half.h"
#include "io/safetensors_writer.h"
#include "io/weight_spec.h"
#include "io/weight_store.h"

#include <c10/core/GradMode.h>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

namespace sinkscope::detail {

TransformerWeights initWeights(const ModelConfig& c, double initStd, std::uint64_t seed) {
    at::manual_seed(seed);
    const std::int64_t D = c.dModel, F = c.dFf, V = c.vocabSize;
    const std::int64_t Q = static_cast<std::int64_t>(c.nHeads) * c.headDim;
    const std::int64_t KV = static_cast<std::int64_t>(c.nKvHeads) * c.headDim;
    const double residualStd = initStd / std::sqrt(2.0 * c.nLayers);
    auto normal = [](std::vector<std::int64_t> shape, double std) { return at::randn(shape) * std; };
    TransformerWeights w;
    w.embed = normal({V, D}, initStd);
    w.finalW = at::ones({D});
    w.layers.resize(static_cast<std::size_t>(c.nLayers));
    for (auto& l : w.layers) {
        l.norm1W = at::ones({D});
        l.norm2W = at::ones({D});
        l.wq = normal({Q, D}, initStd);
        l.wk = normal({KV, D}, initStd);
        l.wv = normal({KV, D}, initStd);
        l.wo = normal({D, Q}, residualStd);
        l.wGate = normal({F, D}, initStd);
        l.wUp = normal({F, D}, initStd);
        l.wDown = normal({D, F}, residualStd);
        if (c.attention == AttentionKind::SinkLogit && c.sinkLogitLearned) l.sinks = at::zeros({c.nHeads});
    }
    w.lmHead = c.tieEmbeddings ? w.embed : normal({V, D}, initStd);
    for (auto& p : namedParameters(c, w))
        p.tensor->requires_grad_(true);
    return w;
}

std::vector<NamedParam> namedParameters(const ModelConfig& c, TransformerWeights& w) {
    std::vector<NamedParam> out;
    out.push_back({"model.embed_tokens.weight", &w.embed, true});
    for (int i = 0; i < c.nLayers; ++i) {
        auto& l = w.layers[static_cast<std::size_t>(i)];
        const auto p = fmt::format("model.layers.{}.", i);
        out.push_back({p + "input_layernorm.weight", &l.norm1W, false});
        out.push_back({p + "self_attn.q_proj.weight", &l.wq, true});
        out.push_back({p + "self_attn.k_proj.weight", &l.wk, true});
        out.push_back({p + "self_attn.v_proj.weight", &l.wv, true});
        out.push_back({p + "self_attn.o_proj.weight", &l.wo, true});
        if (l.sinks.defined()) out.push_back({p + "self_attn.sinks", &l.sinks, false});
        out.push_back({p + "post_attention_layernorm.weight", &l.norm2W, false});
        out.push_back({p + "mlp.gate_proj.weight", &l.wGate, true});
        out.push_back({p + "mlp.up_proj.weight", &l.wUp, true});
        out.push_back({p + "mlp.down_proj.weight", &l.wDown, true});
    }
    out.push_back({"model.norm.weight", &w.finalW, false});
    if (!c.tieEmbeddings) out.push_back({"lm_head.weight", &w.lmHead, true});
    return out;
}

namespace {

struct Encoded {
    std::string name;
    std::vector<std::int64_t> shape;
    std::vector<std::uint8_t> bytes;
};

Encoded encode(const std::string& name, const at::Tensor& t, DType dtype) {
    at::Tensor f = t.detach().to(at::kCPU, at::kFloat).contiguous();
    Encoded e{name, f.sizes().vec(), {}};
    const auto n = static_cast<std::size_t>(f.numel());
    const float* src = f.data_ptr<float>();
    e.bytes.resize(n * dtypeSize(dtype));
    if (dtype == DType::F32) {
        std::memcpy(e.bytes.data(), src, n * 4);
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint16_t h = dtype == DType::F16 ? f32ToF16(src[i]) : f32ToBf16(src[i]);
            std::memcpy(e.bytes.data() + 2 * i, &h, 2);
        }
    }
    return e;
}

Status writeEncoded(const std::string& path, const std::vector<Encoded>& enc, DType dtype) {
    std::vector<TensorToWrite> ts;
    for (const auto& e : enc)
        ts.push_back({e.name, dtype, e.shape, e.bytes.data()});
    return writeSafetensors(path, ts, {{"format", "pt"}});
}

} // namespace

Status saveModelDirectory(const std::string& dir, const ModelConfig& c, TransformerWeights& w, DType dtype) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{fmt::format("{}: cannot create: {}", dir, ec.message())};
    std::vector<Encoded> enc;
    for (const auto& p : namedParameters(c, w))
        enc.push_back(encode(p.name, *p.tensor, dtype));
    if (auto s = writeEncoded(dir + "/model.safetensors", enc, dtype); !s) return s;
    return writeFileAtomically(dir + "/config.json", toHfConfigJson(c));
}

Result<TransformerWeights> loadTrainableWeights(const std::string& dir, const ModelConfig& c) {
    auto store = WeightStore::openSafetensors(dir + "/model.safetensors");
    if (!store) return store.error();
    if (auto s = validateWeights(c, *store, dir + "/model.safetensors"); !s) return s.error();
    auto built = weightsFromStore(c, *store, at::kCPU);
    if (!built) return built.error();
    TransformerWeights w = std::move(built.value());
    if (c.tieEmbeddings) w.lmHead = w.embed;
    for (auto& p : namedParameters(c, w))
        p.tensor->requires_grad_(true);
    return w;
}

Status saveTensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                   DType dtype) {
    std::vector<Encoded> enc;
    for (const auto& [name, t] : tensors)
        enc.push_back(encode(name, t, dtype));
    return writeEncoded(path, enc, dtype);
}

Status loadTensorsInto(const std::string& path,
                       const std::vector<std::pair<std::string, at::Tensor*>>& tensors) {
    auto store = WeightStore::openSafetensors(path);
    if (!store) return store.error();
    c10::NoGradGuard noGrad;
    for (const auto& [name, t] : tensors) {
        const TensorRef* ref = store->find(name);
        if (!ref) return Error{fmt::format("{}: tensor '{}' is missing", path, name)};
        if (ref->dtype != DType::F32 || ref->shape != t->sizes().vec())
            return Error{fmt::format("{}: tensor '{}' has shape {} ({}), expected {}", path, name,
                                     shapeToString(ref->shape), dtypeName(ref->dtype),
                                     shapeToString(t->sizes().vec()))};
        at::Tensor src = at::empty(ref->shape, at::kFloat);
        std::memcpy(src.data_ptr<float>(), ref->data, ref->nbytes);
        t->copy_(src);
    }
    return okStatus();
}

} // namespace sinkscope::detail

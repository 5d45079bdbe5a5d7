#include "model/vision_tower.h"

#include "io/float_weights.h"

#include <cmath>
#include <fmt/format.h>

namespace sinkscope::detail {

namespace {

struct BadTensor {
    Error error;
};

struct VisionLoader {
    const WeightStore& store;
    at::Device device;
    at::Tensor get(const std::string& name) const {
        const TensorRef* ref = store.find(name);
        if (!ref) throw BadTensor{Error{fmt::format("tensor '{}' is missing", name)}};
        at::Tensor out = at::empty(ref->shape, at::TensorOptions().dtype(at::kFloat));
        if (auto s = toFloat32Checked(*ref, out.data_ptr<float>()); !s) throw BadTensor{s.error()};
        return device.is_cpu() ? out : out.to(device);
    }
    at::Tensor opt(const std::string& name) const { return store.find(name) ? get(name) : at::Tensor(); }
};

at::Tensor activate(VisionActivation a, const at::Tensor& x) {
    switch (a) {
    case VisionActivation::QuickGelu: // QuickGELUActivation: x * sigmoid(1.702 x)
        return x * at::sigmoid(1.702 * x);
    case VisionActivation::GeluErf:
        return at::gelu(x);
    case VisionActivation::GeluTanh:
        return at::gelu(x, "tanh");
    case VisionActivation::Silu:
        return at::silu(x);
    }
    return x;
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

// [C, H, W] -> [patches, C * p * p], patches in row-major grid order, each flattened (c, ky, kx)
// like the Conv2d weight [D, C, p, p]: the conv output's flatten(2).transpose(1, 2) order. Rows and
// columns past the last whole patch are dropped, as the stride-p conv drops them.
at::Tensor patchify(const at::Tensor& pixels, int p) {
    const std::int64_t C = pixels.size(0), gh = pixels.size(1) / p, gw = pixels.size(2) / p;
    return pixels.narrow(1, 0, gh * p)
        .narrow(2, 0, gw * p)
        .reshape({C, gh, p, gw, p})
        .permute({1, 3, 0, 2, 4})
        .reshape({gh * gw, C * p * p});
}

// CLIPEncoderLayer / SiglipEncoderLayer: pre-norm attention over every token (no mask, q/k/v/out
// with biases, head_dim^-1/2), then the pre-norm MLP.
at::Tensor encoderLayer(const VisionConfig& v, const VisionLayerWeights& lw, const at::Tensor& x) {
    const std::int64_t N = x.size(0), H = v.nHeads, hd = v.headDim();
    const at::Tensor h = at::layer_norm(x, {v.dModel}, lw.norm1W, lw.norm1B, v.normEps);
    auto heads = [&](const at::Tensor& w, const at::Tensor& b) {
        return linear(h, w, b).view({N, H, hd}).transpose(0, 1); // [H, N, hd]
    };
    const at::Tensor q = heads(lw.wq, lw.bq), k = heads(lw.wk, lw.bk), vv = heads(lw.wv, lw.bv);
    const at::Tensor att =
        at::softmax(at::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(hd)), -1);
    const at::Tensor o = at::matmul(att, vv).transpose(0, 1).reshape({N, H * hd});
    at::Tensor y = x + linear(o, lw.wo, lw.bo);
    const at::Tensor m = at::layer_norm(y, {v.dModel}, lw.norm2W, lw.norm2B, v.normEps);
    return y + linear(activate(v.activation, linear(m, lw.fc1W, lw.fc1B)), lw.fc2W, lw.fc2B);
}

} // namespace

Result<VisionWeights> visionWeightsFromStore(const LlavaConfig& c, const WeightStore& store,
                                             at::Device device) {
    const VisionLoader in{store, device};
    VisionWeights w;
    try {
        const std::string e = "vision_tower.vision_model.embeddings.";
        w.patchW = in.get(e + "patch_embedding.weight").reshape({c.vision.dModel, -1});
        w.patchB = in.opt(e + "patch_embedding.bias");
        w.posEmb = in.get(e + "position_embedding.weight");
        if (c.vision.tower == VisionTower::Clip) {
            w.classEmb = in.get(e + "class_embedding");
            w.preNormW = in.get("vision_tower.vision_model.pre_layrnorm.weight");
            w.preNormB = in.get("vision_tower.vision_model.pre_layrnorm.bias");
        }
        for (int l = 0; l < c.vision.nLayers; ++l) {
            const auto p = fmt::format("vision_tower.vision_model.encoder.layers.{}.", l);
            VisionLayerWeights lw;
            auto pair = [&](const std::string& name, at::Tensor& weight, at::Tensor& bias) {
                weight = in.get(p + name + ".weight");
                bias = in.get(p + name + ".bias");
            };
            pair("layer_norm1", lw.norm1W, lw.norm1B);
            pair("layer_norm2", lw.norm2W, lw.norm2B);
            pair("self_attn.q_proj", lw.wq, lw.bq);
            pair("self_attn.k_proj", lw.wk, lw.bk);
            pair("self_attn.v_proj", lw.wv, lw.bv);
            pair("self_attn.out_proj", lw.wo, lw.bo);
            pair("mlp.fc1", lw.fc1W, lw.fc1B);
            pair("mlp.fc2", lw.fc2W, lw.fc2B);
            w.layers.push_back(std::move(lw));
        }
        w.proj1W = in.get("multi_modal_projector.linear_1.weight");
        w.proj1B = in.opt("multi_modal_projector.linear_1.bias");
        w.proj2W = in.get("multi_modal_projector.linear_2.weight");
        w.proj2B = in.opt("multi_modal_projector.linear_2.bias");
    } catch (const BadTensor& bad) {
        return bad.error;
    }
    return w;
}

ImageEncoding encodeImage(const LlavaConfig& c, const VisionWeights& w, const at::Tensor& pixels) {
    const VisionConfig& v = c.vision;
    at::Tensor x = at::matmul(patchify(pixels.to(at::kFloat), v.patchSize), w.patchW.t());
    if (w.patchB.defined()) x = x + w.patchB;                               // SigLIP's conv bias
    if (w.classEmb.defined()) x = at::cat({w.classEmb.unsqueeze(0), x}, 0); // CLIP's class token first
    x = x + w.posEmb.narrow(0, 0, x.size(0));
    // CLIPVisionTransformer: pre_layrnorm (sic) before the encoder; hidden_states[0] is after it.
    if (w.preNormW.defined()) x = at::layer_norm(x, {v.dModel}, w.preNormW, w.preNormB, v.normEps);
    std::vector<at::Tensor> states{x};
    for (const auto& lw : w.layers)
        states.push_back(x = encoderLayer(v, lw, x));
    ImageEncoding out;
    out.hiddenStates = at::stack(states);
    // LlavaModel.get_image_features: each selected state (minus its first token under "default"),
    // concatenated along features in the config's order.
    std::vector<at::Tensor> pool;
    for (int layer : c.featureLayers) {
        const at::Tensor& s = states[static_cast<std::size_t>(layer)];
        pool.push_back(c.dropsFirstToken() ? s.narrow(0, 1, s.size(0) - 1) : s);
    }
    out.selected = at::cat(pool, 1);
    // LlavaMultiModalProjector: linear_1 -> projector_hidden_act -> linear_2.
    out.features =
        linear(activate(c.projectorActivation, linear(out.selected, w.proj1W, w.proj1B)), w.proj2W, w.proj2B);
    return out;
}

} // namespace sinkscope::detail

"""Plain NumPy (float64) reference for LLaVA: Hugging Face's LlavaForConditionalGeneration.

An image and a prompt go through four stages, each written from transformers' code (the class or
function is named where it is followed):

  1. vision tower, CLIPVisionModel (models/clip/modeling_clip.py) or SiglipVisionModel
     (models/siglip/modeling_siglip.py), run with output_hidden_states=True:
       CLIPVisionEmbeddings: patch Conv2d (kernel = stride = patch_size, no bias), the class
         embedding prepended, position_embedding[0 .. N] added; CLIPVisionTransformer then applies
         pre_layrnorm (sic) before the encoder;
       SiglipVisionEmbeddings: patch Conv2d with bias ("valid" padding),
         position_embedding[0 .. N-1] added; no class token, no pre-layernorm;
       CLIPEncoderLayer / SiglipEncoderLayer: x + attn(layer_norm1(x)), then
         x + fc2(act(fc1(layer_norm2(x)))); CLIPAttention / SiglipAttention: q, k, v, out_proj all
         with biases, scale head_dim^-0.5, softmax over every token (no mask: is_causal False);
         act = ACT2FN[hidden_act]: quick_gelu x·sigmoid(1.702x) (CLIPVisionConfig's default),
         gelu_pytorch_tanh (SiglipVisionConfig's default);
       hidden_states = (encoder input, output of layer 0, ..., output of layer L-1): CLIPEncoder /
         SiglipEncoder append each layer's input and finally the last output (newer transformers
         record the same through check_model_inputs(tie_last_hidden_states=False)). So
         hidden_states[0] is the embedding output *after* CLIP's pre_layrnorm, and
         hidden_states[-1] is the last layer's raw output: neither CLIP's post_layernorm (pooled
         class token only) nor SigLIP's post_layernorm (last_hidden_state) nor SigLIP's head is in
         the tuple, so LLaVA never uses them (transformers PR #40994 added
         tie_last_hidden_states=False to keep it so: "in most vision models the
         output.hidden_states are the hiddens right after encoder blocks, i.e. before the last
         layernorm").
  2. feature selection, LlavaModel.get_image_features: vision_feature_layer an int ->
     hidden_states[layer] (Python indexing, so -1 is the last layer's output and -2 the one before);
     a list -> each hidden_states[layer] in list order, concatenated along features;
     vision_feature_select_strategy "default" drops the first token ([:, 1:], CLIP's class token;
     applied to each state before concatenating), "full" keeps all.
  3. LlavaMultiModalProjector: linear_1 (vision hidden × number of layers -> text hidden) ->
     ACT2FN[projector_hidden_act] ("gelu" = erf GELU) -> linear_2, biases when
     multimodal_projector_bias (default true).
  4. the splice, LlavaModel.forward: inputs_embeds = embed_tokens(input_ids); the positions where
     input_ids == image_token_index (image_token_id) get the image features in order
     (masked_scatter), and their count must equal the number of features (else HF raises "Image
     features and image tokens do not match"). The processor (LlavaProcessor) expands each
     "<image>" into that many copies of the token beforehand (replace_image_token:
     (crop / patch_size)^2 + num_additional_image_tokens, 1 for CLIP's class token and 0 for
     SigLIP, minus 1 under "default"; here computed from the tower, as the config's
     image_seq_length, LlavaConfig default 576, is absent from llava-1.5's published config and
     unused by the model). The language model (LlamaModel / Qwen2Model,
     here reference_model.LlamaLike) then runs on inputs_embeds with plain positions 0 .. T-1, and
     lm_head gives the logits.

Checkpoint layouts (hf_layout.LLAVA_LAYOUTS): the llava-hf one (transformers < 4.52:
vision_tower.vision_model.*, multi_modal_projector.*, language_model.model.*,
language_model.lm_head.weight) and the one transformers >= 4.52 writes (model.vision_tower.*,
model.multi_modal_projector.*, model.language_model.*, lm_head.weight), which
LlavaForConditionalGeneration._checkpoint_conversion_mapping maps the old names to. A text config
with tie_word_embeddings true has no lm_head (PreTrainedModel.tie_weights reads the text config).

Config defaults for absent keys: LlavaConfig (image_token_index 32000, projector_hidden_act
"gelu", vision_feature_select_strategy "default", vision_feature_layer -2,
multimodal_projector_bias true; text_config model_type "llama"; vision_config model_type
"clip_vision_model"), CLIPVisionConfig (quick_gelu, layer_norm_eps 1e-5, 3 channels) and
SiglipVisionConfig (gelu_pytorch_tanh, layer_norm_eps 1e-6), and the text config class's.

forward(ids, pixel_values) returns the language model's outputs as reference_model does (logits
[T, V], attention [L, H, T, T], hidden_norms [L + 1, T]) plus, for debugging,
vision_hidden_states [Lv + 1, N, Dv], vision_attention [Lv, Hv, N, N], selected_features
[n_image, Dv·k] (the projector's input), image_features [n_image, D] (its output) and
image_positions (first, last). Its attn_hook and return_hidden reach the language model
(reference_model.LlamaLike.forward): reference_var.py's VAR uses them.

Usage: /usr/bin/python3 tools/reference_llava.py MODEL_DIR PIXELS.safetensors ID... [--greedy N]
(PIXELS holds a tensor "pixel_values" [3, H, W]; the word "image" in the ids stands for the
image_seq_length image tokens)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_model as rm  # noqa: E402
from hf_layout import LLAVA_LAYOUTS, LLAVA_TEXT_DEFAULTS  # noqa: E402
from safetensors_io import load_model_dir  # noqa: E402

# LlavaConfig.__init__ defaults.
LLAVA_DEFAULTS = {"image_token_index": 32000, "projector_hidden_act": "gelu",
                  "vision_feature_select_strategy": "default", "vision_feature_layer": -2,
                  "multimodal_projector_bias": True}
# CLIPVisionConfig / SiglipVisionConfig.__init__ defaults (the keys the forward pass reads).
VISION_DEFAULTS = {
    "clip_vision_model": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                          "num_attention_heads": 12, "num_channels": 3, "image_size": 224,
                          "patch_size": 32, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5},
    "siglip_vision_model": {"hidden_size": 768, "intermediate_size": 3072,
                            "num_hidden_layers": 12, "num_attention_heads": 12, "num_channels": 3,
                            "image_size": 224, "patch_size": 16, "hidden_act": "gelu_pytorch_tanh",
                            "layer_norm_eps": 1e-6},
}


def quick_gelu(x: np.ndarray) -> np.ndarray:
    # activations.QuickGELUActivation: x * sigmoid(1.702 * x)
    return x / (1.0 + np.exp(-1.702 * x))


# activations.ACT2FN for the names LLaVA configs use.
ACTIVATIONS = {"quick_gelu": quick_gelu, "gelu": rm.gelu_erf, "gelu_pytorch_tanh": rm.gelu_tanh,
               "gelu_new": rm.gelu_tanh, "gelu_fast": rm.gelu_tanh, "silu": rm.silu}


def filled_config(config: dict) -> dict:
    """The config as the HF classes read it: every absent LLaVA / vision key gets its default."""
    if config.get("model_type") != "llava":
        raise ValueError(f"model_type {config.get('model_type')!r} is not llava")
    c = {**LLAVA_DEFAULTS, **config}
    # LlavaConfig.attribute_map: image_token_id is another name for image_token_index.
    if "image_token_index" not in config and "image_token_id" in config:
        c["image_token_index"] = config["image_token_id"]
    vc = dict(config.get("vision_config") or {})
    vmt = vc.setdefault("model_type", "clip_vision_model")
    if vmt not in VISION_DEFAULTS:
        raise ValueError(f"unsupported vision tower {vmt!r}")
    c["vision_config"] = {**VISION_DEFAULTS[vmt], **vc}
    tc = dict(config.get("text_config") or {})
    tc.setdefault("model_type", "llama")
    if tc["model_type"] not in ("llama", "qwen2"):
        raise ValueError(f"unsupported language model {tc['model_type']!r}")
    # LlamaConfig / Qwen2Config sizes for absent keys (Qwen2Config's num_key_value_heads is 32
    # when absent, not num_attention_heads); the rest default inside reference_model.
    c["text_config"] = {**LLAVA_TEXT_DEFAULTS[tc["model_type"]], **tc}
    if c["vision_feature_select_strategy"] not in ("default", "full"):
        # LlavaConfig raises on any other strategy.
        raise ValueError(f"vision_feature_select_strategy {c['vision_feature_select_strategy']!r}")
    return c


def detect_layout(names) -> str:
    """Which of hf_layout.LLAVA_LAYOUTS a checkpoint's tensor names follow."""
    names = list(names)
    for layout, p in LLAVA_LAYOUTS.items():
        if any(n.startswith(p["lm"]) for n in names):
            return layout
    raise ValueError("no language_model tensors in either LLaVA layout")


def split_tensors(tensors: Dict[str, np.ndarray], layout: Optional[str] = None):
    """(vision "vision_model.*", projector "linear_*", language model in HF causal-LM names)."""
    layout = layout or detect_layout(tensors)
    p = LLAVA_LAYOUTS[layout]
    vision, proj, lm = {}, {}, {}
    for name, a in tensors.items():
        if name.startswith(p["vision"]):
            vision[name[len(p["vision"]):]] = a
        elif name.startswith(p["projector"]):
            proj[name[len(p["projector"]):]] = a
        elif name.startswith(p["lm"]):
            lm["model." + name[len(p["lm"]):]] = a
        elif name.startswith(p["head"]):
            lm["lm_head." + name[len(p["head"]):]] = a
        else:
            raise ValueError(f"tensor {name!r} belongs to no part of a {layout} LLaVA checkpoint")
    return vision, proj, lm


def _lin(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def patchify(pixel_values: np.ndarray, patch: int) -> np.ndarray:
    """[C, H, W] -> [N, C·p·p], patches in row-major grid order, each flattened (c, ky, kx) like
    the Conv2d weight [D, C, p, p]; the conv output's flatten(2).transpose(1, 2) gives the same
    order (patch index = row · (W / p) + column). H and W must be multiples of p (the
    processor's crop equals image_size)."""
    C, H, W = pixel_values.shape
    gh, gw = H // patch, W // patch
    x = pixel_values[:, : gh * patch, : gw * patch].reshape(C, gh, patch, gw, patch)
    return x.transpose(1, 3, 0, 2, 4).reshape(gh * gw, C * patch * patch)


def full_attention(q, k, v, scale):
    """q, k, v: [N, H, hd]; every query reads every key. Returns (out [N, H·hd], att [H, N, N])."""
    N, H, hd = q.shape
    att = np.empty((H, N, N))
    out = np.empty((N, H, hd))
    for h in range(H):
        p = rm.softmax((q[:, h] @ k[:, h].T) * scale, axis=-1)
        att[h] = p
        out[:, h] = p @ v[:, h]
    return out.reshape(N, H * hd), att


class VisionTower:
    """CLIPVisionModel or SiglipVisionModel from its "vision_model.*" tensors."""

    def __init__(self, vc: dict, t: Dict[str, np.ndarray]):
        self.type = vc["model_type"]
        self.clip = self.type == "clip_vision_model"
        self.d = int(vc["hidden_size"])
        self.n_heads = int(vc["num_attention_heads"])
        if self.d % self.n_heads:
            raise ValueError("vision hidden_size must be a multiple of num_attention_heads")
        self.head_dim = self.d // self.n_heads
        self.n_layers = int(vc["num_hidden_layers"])
        self.patch = int(vc["patch_size"])
        self.image_size = int(vc["image_size"])
        self.channels = int(vc["num_channels"])
        self.eps = float(vc["layer_norm_eps"])
        if vc["hidden_act"] not in ACTIVATIONS:
            raise ValueError(f"unsupported vision hidden_act {vc['hidden_act']!r}")
        self.act = ACTIVATIONS[vc["hidden_act"]]
        self.t = {k: v.astype(np.float64) for k, v in t.items()}
        self.n_patches = (self.image_size // self.patch) ** 2
        self.n_tokens = self.n_patches + (1 if self.clip else 0)

    def embeddings(self, pixel_values: np.ndarray) -> np.ndarray:
        t, e = self.t, "vision_model.embeddings."
        if pixel_values.shape != (self.channels, self.image_size, self.image_size):
            # CLIPVisionEmbeddings.forward raises for another size (no interpolate_pos_encoding).
            raise ValueError(f"pixel_values shape {pixel_values.shape} != "
                             f"({self.channels}, {self.image_size}, {self.image_size})")
        w = t[e + "patch_embedding.weight"].reshape(self.d, -1)
        x = patchify(np.asarray(pixel_values, dtype=np.float64), self.patch) @ w.T
        if self.clip:
            # CLIPVisionEmbeddings: cat([class_embedding, patch_embeds]) + position_embedding
            x = np.concatenate([t[e + "class_embedding"][None, :], x], axis=0)
            x = x + t[e + "position_embedding.weight"][: self.n_tokens]
            # CLIPVisionTransformer.forward: pre_layrnorm before the encoder
            return rm.layer_norm(x, t["vision_model.pre_layrnorm.weight"],
                                 t["vision_model.pre_layrnorm.bias"], self.eps)
        # SiglipVisionEmbeddings: conv bias, position_embedding, nothing else
        x = x + t[e + "patch_embedding.bias"]
        return x + t[e + "position_embedding.weight"][: self.n_tokens]

    def forward(self, pixel_values: np.ndarray) -> Dict[str, np.ndarray]:
        t = self.t
        N, H, hd = self.n_tokens, self.n_heads, self.head_dim
        h = self.embeddings(pixel_values)
        states, atts = [h], []
        for i in range(self.n_layers):
            p = f"vision_model.encoder.layers.{i}."
            x = rm.layer_norm(h, t[p + "layer_norm1.weight"], t[p + "layer_norm1.bias"], self.eps)
            q = _lin(x, t[p + "self_attn.q_proj.weight"], t[p + "self_attn.q_proj.bias"])
            k = _lin(x, t[p + "self_attn.k_proj.weight"], t[p + "self_attn.k_proj.bias"])
            v = _lin(x, t[p + "self_attn.v_proj.weight"], t[p + "self_attn.v_proj.bias"])
            o, att = full_attention(q.reshape(N, H, hd), k.reshape(N, H, hd), v.reshape(N, H, hd),
                                    hd ** -0.5)
            atts.append(att)
            h = h + _lin(o, t[p + "self_attn.out_proj.weight"], t[p + "self_attn.out_proj.bias"])
            x = rm.layer_norm(h, t[p + "layer_norm2.weight"], t[p + "layer_norm2.bias"], self.eps)
            m = self.act(_lin(x, t[p + "mlp.fc1.weight"], t[p + "mlp.fc1.bias"]))
            h = h + _lin(m, t[p + "mlp.fc2.weight"], t[p + "mlp.fc2.bias"])
            states.append(h)
        att = np.stack(atts) if atts else np.zeros((0, H, N, N))
        return {"hidden_states": np.stack(states), "attention": att}


def select_features(hidden_states: Sequence[np.ndarray], layer: Union[int, Sequence[int]],
                    strategy: str) -> np.ndarray:
    """LlavaModel.get_image_features on the hidden_states tuple (one image: [N, D] each)."""
    n = len(hidden_states)
    layers = [layer] if isinstance(layer, int) else list(layer)
    if not layers:
        raise ValueError("vision_feature_layer is an empty list")
    pool = []
    for i in layers:
        if not -n <= int(i) < n:  # a tuple index out of range raises in HF too
            raise ValueError(f"vision_feature_layer {i} outside the {n} hidden states")
        hs = hidden_states[int(i)]
        pool.append(hs[1:] if strategy == "default" else hs)
    return np.concatenate(pool, axis=-1)


class LlavaReference:
    def __init__(self, config: dict, tensors: Dict[str, np.ndarray], layout: Optional[str] = None):
        self.config = filled_config(config)
        c = self.config
        self.layout = layout or detect_layout(tensors)
        vision, proj, lm = split_tensors(tensors, self.layout)
        self.vision = VisionTower(c["vision_config"], vision)
        self.lm = rm.from_config(c["text_config"], lm)
        if not isinstance(self.lm, rm.LlamaLike):
            raise ValueError("the language model must be llama or qwen2")
        self.image_token = int(c["image_token_index"])
        self.feature_layer = c["vision_feature_layer"]
        self.strategy = c["vision_feature_select_strategy"]
        # The number of image tokens per image (see the module docstring, stage 4).
        self.image_seq_length = self.vision.n_tokens - (1 if self.strategy == "default" else 0)
        if c["projector_hidden_act"] not in ACTIVATIONS:
            raise ValueError(f"unsupported projector_hidden_act {c['projector_hidden_act']!r}")
        self.proj_act = ACTIVATIONS[c["projector_hidden_act"]]
        self.proj = {k: v.astype(np.float64) for k, v in proj.items()}
        if bool(c["multimodal_projector_bias"]) != ("linear_1.bias" in self.proj):
            raise ValueError("projector biases do not match multimodal_projector_bias")
        self.n_layers, self.n_heads = self.lm.n_layers, self.lm.n_heads
        self.vocab_size = self.lm.vocab_size

    # --- image path -----------------------------------------------------------------------
    def project(self, selected: np.ndarray) -> np.ndarray:
        """LlavaMultiModalProjector.forward."""
        p = self.proj
        x = self.proj_act(_lin(selected, p["linear_1.weight"], p.get("linear_1.bias")))
        return _lin(x, p["linear_2.weight"], p.get("linear_2.bias"))

    def image_features(self, pixel_values: np.ndarray) -> Dict[str, np.ndarray]:
        v = self.vision.forward(pixel_values)
        selected = select_features(list(v["hidden_states"]), self.feature_layer, self.strategy)
        return {"vision_hidden_states": v["hidden_states"], "vision_attention": v["attention"],
                "selected_features": selected, "image_features": self.project(selected)}

    # --- splice and language model --------------------------------------------------------
    def splice(self, ids: Sequence[int], features: Optional[np.ndarray], n_prompt: int
               ) -> np.ndarray:
        """inputs_embeds with the image-token positions among the first n_prompt replaced by
        the features in order (LlavaModel.forward's masked_scatter). Tokens after the prompt
        are embedded as text: HF's generation passes pixel_values only with the first chunk
        (LlavaForConditionalGeneration.prepare_inputs_for_generation, cache_position[0] == 0),
        so a generated image token id is looked up like any other id."""
        a = self.lm._check_ids(ids)
        emb = self.lm.embed[a].copy()
        slots = np.flatnonzero(a[:n_prompt] == self.image_token)
        n_feat = 0 if features is None else features.shape[0]
        if len(slots) and features is None:
            raise ValueError(f"{len(slots)} image tokens but no pixel_values")
        if len(slots) != n_feat:
            raise ValueError(f"Image features and image tokens do not match: tokens: "
                             f"{len(slots)}, features {n_feat}")
        if n_feat:
            emb[slots] = features
        return emb

    def forward(self, ids: Sequence[int], pixel_values: Optional[np.ndarray] = None,
                n_prompt: Optional[int] = None, image: Optional[dict] = None,
                attn_hook: Optional[Callable[[int, np.ndarray], np.ndarray]] = None,
                return_hidden: bool = False) -> Dict[str, np.ndarray]:
        """ids: the prompt with its image tokens already expanded. image: a precomputed
        image_features() result (greedy reuses it). attn_hook and return_hidden go to the
        language model (reference_model.LlamaLike.forward: an intervention on its post-softmax
        attention, and its residual states [L + 1, T, D], row 0 the spliced inputs_embeds)."""
        if image is None and pixel_values is not None:
            image = self.image_features(pixel_values)
        n_prompt = len(ids) if n_prompt is None else n_prompt
        emb = self.splice(ids, None if image is None else image["image_features"], n_prompt)
        out = dict(self.lm.forward(ids, inputs_embeds=emb, attn_hook=attn_hook,
                                   return_hidden=return_hidden))
        if image is not None:
            out.update(image)
            slots = np.flatnonzero(np.asarray(ids[:n_prompt]) == self.image_token)
            out["image_positions"] = np.array([slots[0], slots[-1]])
        return out

    def step_logits(self, prompt: Sequence[int], generated: Sequence[int],
                    pixel_values: Optional[np.ndarray] = None, image: Optional[dict] = None
                    ) -> np.ndarray:
        # No length-dependent RoPE in llama / qwen2 LLaVA configs handled here: a full forward
        # equals HF's cached generation.
        ids = list(prompt) + list(generated)
        return self.forward(ids, pixel_values, n_prompt=len(prompt), image=image)["logits"][-1]

    def greedy(self, prompt: Sequence[int], n_new: int,
               pixel_values: Optional[np.ndarray] = None) -> List[int]:
        image = None if pixel_values is None else self.image_features(pixel_values)
        out: List[int] = []
        for _ in range(n_new):
            out.append(rm.argmax_lowest(self.step_logits(prompt, out, image=image)))
        return out

    def expand(self, ids: Sequence[Union[int, str]]) -> List[int]:
        """The word "image" -> image_seq_length image tokens (LlavaProcessor's expansion)."""
        out: List[int] = []
        for i in ids:
            if i == "image":
                out += [self.image_token] * self.image_seq_length
            else:
                out.append(int(i))
        return out


def load(model_dir) -> LlavaReference:
    d = Path(model_dir)
    return LlavaReference(json.loads((d / "config.json").read_text()), load_model_dir(d))


if __name__ == "__main__":
    import argparse

    from safetensors_io import load_file

    ap = argparse.ArgumentParser(description="Run the LLaVA reference on an image and ids.")
    ap.add_argument("model")
    ap.add_argument("pixels", help="safetensors file with pixel_values [3, H, W]")
    ap.add_argument("ids", nargs="+", help='token ids; "image" marks the image')
    ap.add_argument("--greedy", type=int, default=0)
    args = ap.parse_args()
    m = load(args.model)
    pv = load_file(args.pixels)[0]["pixel_values"].astype(np.float64)
    ids = m.expand(args.ids)
    r = m.forward(ids, pv)
    print("tokens", len(ids), "image positions", r["image_positions"].tolist())
    print("logits", r["logits"].shape, "attention", r["attention"].shape)
    print("argmax per position", [int(i) for i in r["logits"].argmax(-1)])
    print("image feature norms", np.round(np.linalg.norm(r["image_features"], axis=-1), 4).tolist())
    if args.greedy:
        print("greedy", m.greedy(ids, args.greedy, pv))

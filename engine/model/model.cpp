#include "model/model.h"
#include "model/model_impl.h"
#include "model/observer_tools.h"

#include "core/allocator.h"
#include "core/available_memory.h"
#include "core/excerpt.h"
#include "core/human_bytes.h"
#include "io/llava_weights.h"
#include "io/model_directory.h"
#include "io/weight_spec.h"
#include "metrics/secondary_sinks.h"
#include "model/device.h"
#include "model/intervention_state.h"
#include "model/pass_memory.h"
#include "model/sampler.h"
#include "model/streaming.h"
#include "model/transformer.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <c10/core/InferenceMode.h>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <optional>

namespace sinkscope {

namespace {

// One call's passes: through the streaming cache when a Stream intervention asks for it,
// otherwise plain (optionally cached) passes, with the attention-level interventions applied.
class Runner {
public:
    Runner(const ModelConfig& c, const detail::TransformerWeights& w, detail::InterventionState* st,
           bool cached, const detail::EmbeddingOverride* embeds = nullptr)
        : m_c(c), m_w(w), m_st(st), m_embeds(embeds) {
        if (const Intervention* policy = st ? st->stream() : nullptr)
            m_feeder = std::make_unique<detail::StreamingFeeder>(c, w, *policy);
        else if (cached)
            m_cache = std::make_unique<detail::KvCache>();
    }
    void reserve(std::int64_t tokens) {
        if (m_cache) m_cache->capacity = tokens;
    }
    // The cached chunks that follow are one pass over `tokens` tokens (dynamic NTK RoPE computes
    // its frequencies for that length, not for each chunk's end).
    void onePass(std::int64_t tokens) { m_ropeLength = tokens; }
    at::Tensor feed(const at::Tensor& tokens, ForwardObserver* observer) {
        if (m_feeder) return m_feeder->feed(tokens, observer, m_st);
        if (m_cache && m_c.rope.type == RopeScalingType::Longrope) recomputeAtLongropeSwitch(tokens);
        detail::ForwardContext ctx;
        ctx.observer = observer;
        ctx.cache = m_cache.get();
        ctx.interventions = m_st;
        ctx.ropeLength = m_ropeLength;
        ctx.embeds = m_embeds;
        return detail::forwardHidden(m_c, m_w, tokens, ctx);
    }

private:
    // Longrope turns every position with the long factors once the text passes the original
    // context, so the cached keys and values of earlier tokens (all layers) are stale then;
    // Phi-3's generation in HF drops its cache at that point. The earlier tokens are run again in
    // one uncaptured pass with the new length's frequencies; the new tokens follow as usual.
    void recomputeAtLongropeSwitch(const at::Tensor& tokens) {
        const std::int64_t before = m_cache->length, after = before + tokens.size(1);
        const std::int64_t original = m_c.rope.originalMaxPositions;
        // A caller feeding one pass in chunks (onePass) already turns every chunk with the whole length.
        const bool crosses = m_ropeLength == 0 && before > 0 && before <= original && after > original;
        if (crosses) {
            at::Tensor earlier = at::cat(m_history, 1);
            const std::int64_t capacity = m_cache->capacity;
            *m_cache = detail::KvCache{};
            m_cache->capacity = capacity;
            detail::ForwardContext ctx;
            ctx.cache = m_cache.get();
            ctx.interventions = m_st;
            ctx.ropeLength = after;
            ctx.embeds = m_embeds;
            detail::forwardHidden(m_c, m_w, earlier, ctx);
        }
        m_history.push_back(tokens);
    }

    const ModelConfig& m_c;
    const detail::TransformerWeights& m_w;
    detail::InterventionState* m_st;
    const detail::EmbeddingOverride* m_embeds;
    std::unique_ptr<detail::StreamingFeeder> m_feeder;
    std::unique_ptr<detail::KvCache> m_cache;
    std::int64_t m_ropeLength = 0;
    std::vector<at::Tensor> m_history; // tokens fed so far (longrope only)
};

bool hasTokenizerFiles(const std::filesystem::path& dir) {
    for (const char* f : {"tokenizer.json", "vocab.json", "tokenizer.model", "tokenizer.bin"})
        if (std::filesystem::exists(dir / f)) return true;
    return false;
}

} // namespace

Model::Model(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::load(const std::string& path, const LoadOptions& options) {
    configureAllocatorForTensors();
    auto files = openModelFiles(path);
    if (!files) return files.error();
    auto impl = std::make_unique<Impl>();
    impl->config = files->config;
    impl->format = files->format;
    impl->path = path;

    auto device = detail::selectDevice(options.device);
    if (!device) return device.error();
    impl->device = device->device;
    if (!device->notice.empty()) impl->notices.push_back(device->notice);

    if (files->format == ModelFormat::Gguf) {
        // The vocabulary embedded in the file is the one the model was converted with.
        auto tok = loadGgufTokenizer(files->weightsPath);
        if (!tok) return tok.error();
        impl->tokenizer = std::move(tok.value());
    }
    if (impl->tokenizer) {
        // from the GGUF file
    } else if (hasTokenizerFiles(files->directory)) {
        auto tok = loadTokenizerFromDirectory(files->directory);
        if (!tok) return tok.error();
        impl->tokenizer = std::move(tok.value());
    } else {
        impl->notices.push_back(fmt::format("no tokenizer next to the model in {}: drive it by token ids",
                                            files->directory.empty() ? "." : files->directory));
    }
    try {
        c10::InferenceMode guard;
        // Weights stay in the dtype they are stored in (memory-mapped where they can), unless bf16
        // compute wants them all in bf16.
        const auto keeping = options.compute == ComputePrecision::Bf16 ? detail::WeightKeeping::Bf16
                                                                       : detail::WeightKeeping::Stored;
        if (impl->device.is_cpu()) { // refuse what would not fit, rather than be killed half-way
            const std::int64_t need = detail::predictedWeightBytes(files->weights, keeping);
            if (const std::int64_t available = availableMemoryBytes(); available >= 0 && need > available)
                return Error{fmt::format(
                    "{}: its weights need {} of memory as {} copies, {} is available (BF16 weights{} are "
                    "used in place from the file without a copy)",
                    path, humanBytes(static_cast<std::uint64_t>(need)),
                    keeping == detail::WeightKeeping::Bf16 ? "bf16" : "float32",
                    humanBytes(static_cast<std::uint64_t>(available)),
                    keeping == detail::WeightKeeping::Bf16 ? "" : " and F16 ones")};
        }
        auto weights =
            detail::weightsFromStore(impl->config, files->weights, impl->device, keeping, options.progress);
        if (!weights)
            return Error{weights.error().message == "loading the model was cancelled"
                             ? fmt::format("loading {} was cancelled", path)
                             : weights.error().message};
        impl->weights = std::move(weights.value());
        detail::fuseProjections(impl->weights);
        if (files->llava) {
            auto vision = detail::visionWeightsFromStore(*files->llava, files->imageWeights, impl->device);
            if (!vision) return vision.error();
            impl->llava = files->llava;
            impl->vision = std::move(vision.value());
        }
    } catch (const std::exception& e) {
        return Error{fmt::format("{}: could not prepare the weights: {}", path, e.what())};
    }
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const ModelConfig& Model::config() const {
    return m_impl->config;
}
const Tokenizer* Model::tokenizer() const {
    return m_impl->tokenizer.get();
}
const std::vector<std::string>& Model::notices() const {
    return m_impl->notices;
}
std::string Model::deviceName() const {
    return m_impl->device.str();
}
ComputePrecision Model::computePrecision() const {
    return m_impl->weights.compute == at::kBFloat16 ? ComputePrecision::Bf16 : ComputePrecision::F32;
}

const char* computePrecisionName(ComputePrecision p) {
    return p == ComputePrecision::Bf16 ? "bf16" : "f32";
}

std::optional<ComputePrecision> parseComputePrecision(const std::string& name) {
    if (name == "f32") return ComputePrecision::F32;
    if (name == "bf16") return ComputePrecision::Bf16;
    return std::nullopt;
}

std::int64_t Model::parameterCount() const {
    // From the config: weights kept quantized are bytes, not values.
    const std::int64_t text = sinkscope::parameterCount(m_impl->config);
    return m_impl->llava ? text + llavaParameterCount(*m_impl->llava, m_impl->config.dModel) : text;
}

std::string Model::describe() const {
    const auto& c = m_impl->config;
    std::string s =
        fmt::format("{} ({}, {}): {} layers, {} heads ({} kv), d_model {}, vocab {}, {} attention",
                    m_impl->path, c.modelType, modelFormatName(m_impl->format), c.nLayers, c.nHeads,
                    c.nKvHeads, c.dModel, c.vocabSize, attentionKindName(c.attention));
    // What changes how its attention reads: windows, soft-caps, RoPE scaling, q/k norms.
    const auto features = modelFeatures(c);
    if (!features.empty()) s += fmt::format("; {}", fmt::join(features, ", "));
    if (const auto& l = m_impl->llava)
        s += fmt::format("; image: {} tower ({} layers, d {}, {}x{} px, patch {}) -> {} image tokens (id {})",
                         l->vision.modelType, l->vision.nLayers, l->vision.dModel, l->vision.imageSize,
                         l->vision.imageSize, l->vision.patchSize, l->imageTokens(), l->imageTokenId);
    return s;
}

Status Model::checkTokenIds(const std::vector<std::int32_t>& ids) const {
    return checkTokenIds(ids, {});
}

Status Model::checkTokenIds(const std::vector<std::int32_t>& ids, const Interventions& interventions) const {
    const auto& c = m_impl->config;
    if (ids.empty()) return Error{"the prompt is empty: give at least one token"};
    // A LLaVA image token may lie past the language model's vocabulary (HF replaces it before the
    // embedding lookup, as tokensTensor does): its rows are the image's, never an embedding.
    const std::int32_t image = m_impl->llava ? m_impl->llava->imageTokenId : -1;
    for (std::size_t i = 0; i < ids.size(); ++i)
        if ((ids[i] < 0 || ids[i] >= c.vocabSize) && ids[i] != image)
            return Error{fmt::format("token id {} at position {} is outside the vocabulary (0..{})", ids[i],
                                     i, c.vocabSize - 1)};
    // A streaming cache with shifted positions never needs more positions than its size
    // (checkInterventions checks that).
    const bool streamed = std::any_of(interventions.begin(), interventions.end(), [](const Intervention& iv) {
        return iv.kind == InterventionKind::Stream && iv.positionShift;
    });
    if (c.learnedPositions() && !streamed && static_cast<std::int64_t>(ids.size()) > c.maxPositions)
        return Error{fmt::format("the prompt has {} tokens but the model has {} learned positions",
                                 ids.size(), c.maxPositions)};
    return okStatus();
}

namespace {

// The shape of a pass as estimatePassMemory sees it (model/pass_memory.h).
PassShape passShapeOf(const ModelConfig& c, std::int64_t tokens, std::int64_t newTokens, bool observer,
                      const Interventions& interventions, bool allLogits) {
    PassShape shape;
    shape.tokens = tokens;
    shape.cacheTokens = newTokens > 0 ? tokens + newTokens : 0;
    shape.observer = observer;
    shape.allLogits = allLogits;
    shape.threads = at::get_num_threads();
    shape.probabilities = c.attention != AttentionKind::Softmax;
    for (const auto& iv : interventions) {
        if (iv.kind == InterventionKind::Stream) {
            // Past the cache size the pass goes one token at a time against a bounded cache.
            shape.tokens = std::min<std::int64_t>(tokens, iv.streamSinks + iv.streamWindow);
            continue;
        }
        shape.probabilities = true;
        shape.hiddenStates |= iv.sinks.kind == SinkSetKind::Secondary;
    }
    return shape;
}

} // namespace

Status Model::checkMemory(std::int64_t tokens, std::int64_t newTokens, bool observer,
                          const Interventions& interventions, bool allLogits, std::int64_t extraBytes,
                          const std::string& extraWhat) const {
    const auto& c = m_impl->config;
    if (!m_impl->device.is_cpu()) return okStatus(); // device memory is the device's to refuse
    return checkPassMemory(c, passShapeOf(c, tokens, newTokens, observer, interventions, allLogits),
                           extraBytes, extraWhat, availableMemoryBytes());
}

std::int64_t Model::passBytes(std::int64_t tokens, std::int64_t newTokens, bool observer,
                              const Interventions& interventions, bool allLogits) const {
    const auto& c = m_impl->config;
    return estimatePassMemory(c, passShapeOf(c, tokens, newTokens, observer, interventions, allLogits)).bytes;
}

std::string Model::contextWarning(std::int64_t tokens) const {
    const auto& c = m_impl->config;
    if (c.learnedPositions() || c.maxPositions <= 0 || tokens <= c.maxPositions) return {};
    return fmt::format("{} tokens exceed the {} positions the model was trained on: attention past "
                       "position {} is out of distribution",
                       tokens, c.maxPositions, c.maxPositions - 1);
}

Status Model::checkInterventions(const Interventions& interventions, std::int64_t tokens) const {
    const auto& c = m_impl->config;
    int streams = 0;
    for (const auto& iv : interventions) {
        if (auto st = validateIntervention(iv, c.nLayers, c.nHeads); !st) return st.error();
        if (auto st = checkInterventionPositions(iv, tokens); !st) return st.error();
        if (iv.kind != InterventionKind::Stream) continue;
        if (++streams > 1)
            return Error{
                fmt::format("intervention \"{}\": only one stream policy per run", excerpt(iv.spec))};
        if (c.learnedPositions()) {
            const std::int64_t reach =
                iv.positionShift ? std::min<std::int64_t>(tokens, iv.streamSinks + iv.streamWindow) : tokens;
            if (reach > c.maxPositions)
                return Error{fmt::format(
                    "intervention \"{}\": {} positions needed but the model has {} learned positions{}",
                    iv.spec, reach, c.maxPositions,
                    iv.positionShift ? "; use a smaller cache" : "; use pos=shift")};
        }
    }
    return okStatus();
}

Result<std::unique_ptr<detail::InterventionState>>
Model::Impl::prepare(const Model& model, const std::vector<std::int32_t>& ids, const Interventions& list,
                     const detail::EmbeddingOverride* embeds) const {
    if (list.empty()) return std::unique_ptr<detail::InterventionState>();
    if (auto st = model.checkInterventions(list, static_cast<std::int64_t>(ids.size())); !st)
        return st.error();
    auto state = std::make_unique<detail::InterventionState>();
    state->list = list;
    // The cosine-to-BOS rule and VAR's visual sinks read the unmodified run's hidden states: one
    // pass, run only when one of them is asked for.
    std::optional<HiddenStateRecorder> unmodified;
    auto states = [&]() -> const HiddenStates& {
        if (!unmodified) {
            unmodified.emplace(config.nLayers + 1);
            detail::ForwardContext ctx;
            ctx.observer = &*unmodified;
            ctx.embeds = embeds;
            detail::forwardHidden(config, weights, tokensTensor(ids), ctx);
        }
        return unmodified->states();
    };
    if (state->needsSecondarySinks()) state->secondarySinks = sinkTokenSet(secondarySinks(states()));
    if (auto st = state->resolveImage(embeds ? &embeds->positions : nullptr, config.nLayers, states); !st)
        return st.error();
    return state;
}

Status Model::Impl::checkImageTokens(const std::vector<std::int32_t>& ids,
                                     const detail::EmbeddingOverride* embeds,
                                     const Interventions& interventions) const {
    if (!llava) return okStatus();
    const auto n = std::count(ids.begin(), ids.end(), llava->imageTokenId);
    if (!embeds && n > 0)
        return Error{fmt::format("the prompt holds {} image tokens (id {}) but no image was given", n,
                                 llava->imageTokenId)};
    if (!embeds) return okStatus();
    if (n != embeds->rows.size(0))
        return Error{fmt::format("the prompt holds {} image tokens (id {}) but the image gives {}", n,
                                 llava->imageTokenId, embeds->rows.size(0))};
    for (const auto& iv : interventions)
        if (iv.kind == InterventionKind::Stream)
            return Error{fmt::format("intervention \"{}\": a stream policy does not take an image yet",
                                     excerpt(iv.spec))};
    return okStatus();
}

Result<ForwardOutput> Model::forward(const std::vector<std::int32_t>& ids, ForwardObserver* observer,
                                     bool allLogits, const Interventions& interventions) const {
    return m_impl->forwardPass(*this, ids, observer, allLogits, interventions, nullptr);
}

Result<ForwardOutput> Model::Impl::forwardPass(const Model& model, const std::vector<std::int32_t>& ids,
                                               ForwardObserver* observer, bool allLogits,
                                               const Interventions& interventions,
                                               const detail::EmbeddingOverride* embeds) const {
    if (auto s = model.checkTokenIds(ids, interventions); !s) return s.error();
    if (auto s = checkImageTokens(ids, embeds, interventions); !s) return s.error();
    if (auto s = model.checkMemory(static_cast<std::int64_t>(ids.size()), 0, observer != nullptr,
                                   interventions, allLogits);
        !s)
        return s.error();
    try {
        c10::InferenceMode guard;
        auto state = prepare(model, ids, interventions, embeds);
        if (!state) return state.error();
        Runner runner(config, weights, state->get(), /*cached=*/false, embeds);
        at::Tensor hidden = runner.feed(tokensTensor(ids), observer);
        if (!allLogits) hidden = hidden.narrow(1, hidden.size(1) - 1, 1);
        at::Tensor logits =
            detail::projectLogits(config, weights, hidden)[0].to(at::kCPU, at::kFloat).contiguous();
        ForwardOutput out;
        out.rows = logits.size(0);
        out.vocab = logits.size(1);
        out.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
        return out;
    } catch (const std::exception& e) {
        return Error{fmt::format("forward pass failed: {}", e.what())};
    }
}

Result<GenerationOutput> Model::generate(const std::vector<std::int32_t>& prompt,
                                         const GenerationOptions& options, ForwardObserver* observer,
                                         const ProgressCallback& progress,
                                         const Interventions& interventions) const {
    return m_impl->generatePass(*this, prompt, options, observer, progress, interventions, nullptr);
}

Result<GenerationOutput>
Model::Impl::generatePass(const Model& model, const std::vector<std::int32_t>& prompt,
                          const GenerationOptions& options, ForwardObserver* observer,
                          const ProgressCallback& progress, const Interventions& interventions,
                          const detail::EmbeddingOverride* embeds) const {
    if (auto s = model.checkTokenIds(prompt, interventions); !s) return s.error();
    if (auto s = checkImageTokens(prompt, embeds, interventions); !s) return s.error();
    const auto& c = config;
    int maxNew = std::max(0, options.maxNewTokens);
    const bool streamed = std::any_of(interventions.begin(), interventions.end(), [](const Intervention& iv) {
        return iv.kind == InterventionKind::Stream;
    });
    if (c.learnedPositions() && !streamed)
        maxNew = std::min<int>(maxNew, c.maxPositions - static_cast<int>(prompt.size()));
    if (auto s = model.checkMemory(static_cast<std::int64_t>(prompt.size()), maxNew, observer != nullptr,
                                   interventions, false);
        !s)
        return s.error();
    try {
        c10::InferenceMode guard;
        auto state = prepare(model, prompt, interventions, embeds);
        if (!state) return state.error();
        if (streamed && c.learnedPositions())
            if (auto st = model.checkInterventions(interventions,
                                                   static_cast<std::int64_t>(prompt.size()) + maxNew);
                !st)
                return st.error();
        Runner runner(c, weights, state->get(), /*cached=*/true, embeds);
        runner.reserve(static_cast<std::int64_t>(prompt.size()) + maxNew);
        Sampler sampler({options.temperature, options.topK, options.topP}, options.seed);

        GenerationOutput out;
        at::Tensor hidden = runner.feed(tokensTensor(prompt), observer);
        std::vector<float> logits =
            Impl::lastRow(detail::projectLogits(config, weights, hidden.narrow(1, hidden.size(1) - 1, 1)));
        out.nextTokenLogits = logits;
        auto record = [&] {
            if (options.recordTopK > 0)
                out.stepTopK.push_back(
                    topK(logits.data(), static_cast<std::int64_t>(logits.size()), options.recordTopK));
        };
        record();
        for (int step = 0; step < maxNew; ++step) {
            const std::int32_t next = sampler.next(logits.data(), static_cast<std::int64_t>(logits.size()));
            out.generated.push_back(next);
            if (progress && !progress(step + 1, maxNew)) {
                out.cancelled = true;
                break;
            }
            if (options.stopAtEos && c.eosId && next == *c.eosId) {
                out.stoppedAtEos = true;
                break;
            }
            if (step + 1 == maxNew) break; // the last token needs no forward pass
            hidden = runner.feed(tokensTensor({next}), observer);
            logits = Impl::lastRow(detail::projectLogits(config, weights, hidden));
            record();
        }
        return out;
    } catch (const std::exception& e) {
        return Error{fmt::format("generation failed: {}", e.what())};
    }
}

Result<PerplexityOutput> Model::perplexity(const std::vector<std::int32_t>& ids,
                                           const Interventions& interventions,
                                           const ProgressCallback& progress) const {
    if (ids.size() < 2) return Error{"perplexity needs at least two tokens (one to predict)"};
    if (auto s = checkTokenIds(ids, interventions); !s) return s.error();
    try {
        c10::InferenceMode guard;
        auto state = m_impl->prepare(*this, ids, interventions);
        if (!state) return state.error();
        Runner runner(m_impl->config, m_impl->weights, state->get(), /*cached=*/true);
        const auto n = static_cast<std::int64_t>(ids.size());
        const at::Tensor tokens = m_impl->tokensTensor(ids);
        PerplexityOutput out;
        double nll = 0;
        // Chunks bound the logits held at once and give progress and cancel points; with a
        // cache, consecutive chunks are exactly one long pass over the text (the last token only
        // a target, as in one forward over the ids with labels = ids).
        runner.onePass(n);
        constexpr std::int64_t kChunk = 256;
        for (std::int64_t i = 0; i < n - 1; i += kChunk) {
            const std::int64_t len = std::min(kChunk, n - 1 - i);
            at::Tensor hidden = runner.feed(tokens.narrow(1, i, len), nullptr);
            at::Tensor logp = at::log_softmax(
                detail::projectLogits(m_impl->config, m_impl->weights, hidden)[0].to(at::kFloat), -1);
            at::Tensor targets = tokens[0].narrow(0, i + 1, len).unsqueeze(1);
            nll -= logp.gather(1, targets).sum().item<double>();
            out.predicted += len;
            if (progress && !progress(static_cast<int>(i + len), static_cast<int>(n - 1))) {
                out.cancelled = true;
                break;
            }
        }
        out.meanNll = nll / static_cast<double>(out.predicted);
        out.perplexity = std::exp(out.meanNll);
        return out;
    } catch (const std::exception& e) {
        return Error{fmt::format("perplexity failed: {}", e.what())};
    }
}

} // namespace sinkscope

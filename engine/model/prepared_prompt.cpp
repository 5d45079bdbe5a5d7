#include "model/prepared_prompt.h"

#include "metrics/secondary_sinks.h"
#include "model/model_impl.h"

#include <algorithm>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <optional>

namespace sinkscope {

struct PreparedPrompt::Impl {
    const Model* model = nullptr;
    std::vector<std::int32_t> ids;
    std::vector<at::Tensor> residuals; // [1, T, D] entering each layer, then leaving the last
    std::vector<float> baseLogits;
    mutable std::optional<std::vector<std::int64_t>> secondary;
    mutable std::optional<HiddenStates> states;
    std::optional<detail::EmbeddingOverride> embeds; // a LLaVA prompt's image rows

    const Model::Impl& m() const { return model->impl(); }
    const detail::EmbeddingOverride* image() const { return embeds ? &*embeds : nullptr; }

    // The kept residual stream as the metrics read it (the unmodified run's states).
    const HiddenStates& hiddenStates() const {
        if (states) return *states;
        HiddenStates h;
        for (const auto& r : residuals) {
            at::Tensor x = r[0].to(at::kCPU, at::kFloat).contiguous();
            h.tokens = x.size(0);
            h.dim = x.size(1);
            h.states.emplace_back(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
        }
        states = std::move(h);
        return *states;
    }

    // The cosine-to-BOS rule on the kept residual stream (same states as the metric reads).
    const std::vector<std::int64_t>& secondarySinks() const {
        if (!secondary) secondary = sinkTokenSet(sinkscope::secondarySinks(hiddenStates()));
        return *secondary;
    }

    // What a run's interventions learn before the pass: secondary and visual sink sets, image targets.
    Status resolve(detail::InterventionState& state) const {
        if (state.needsSecondarySinks()) state.secondarySinks = secondarySinks();
        return state.resolveImage(embeds ? &embeds->positions : nullptr, m().config.nLayers,
                                  [this]() -> const HiddenStates& { return hiddenStates(); });
    }
};

PreparedPrompt::PreparedPrompt(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
PreparedPrompt::~PreparedPrompt() = default;

const std::vector<std::int32_t>& PreparedPrompt::ids() const {
    return m_impl->ids;
}
const std::vector<float>& PreparedPrompt::baseLogits() const {
    return m_impl->baseLogits;
}

Result<std::unique_ptr<PreparedPrompt>> PreparedPrompt::create(const Model& model,
                                                               std::vector<std::int32_t> ids,
                                                               ForwardObserver* observer,
                                                               const ImageEmbeddings* image) {
    if (auto s = model.checkTokenIds(ids); !s) return s.error();
    auto impl = std::make_unique<Impl>();
    impl->model = &model;
    if (image) {
        auto e = imageOverride(model, ids, *image);
        if (!e) return e.error();
        impl->embeds = std::move(e.value());
    }
    if (auto s = model.impl().checkImageTokens(ids, impl->image(), {}); !s) return s.error();
    impl->ids = std::move(ids);
    try {
        c10::InferenceMode guard;
        const auto& m = model.impl();
        detail::ForwardContext ctx;
        ctx.observer = observer;
        ctx.residuals = &impl->residuals;
        ctx.embeds = impl->image();
        at::Tensor hidden = detail::forwardHidden(m.config, m.weights, m.tokensTensor(impl->ids), ctx);
        impl->baseLogits = Model::Impl::lastRow(
            detail::projectLogits(m.config, m.weights, hidden.narrow(1, hidden.size(1) - 1, 1)));
    } catch (const std::exception& e) {
        return Error{fmt::format("forward pass failed: {}", e.what())};
    }
    return std::unique_ptr<PreparedPrompt>(new PreparedPrompt(std::move(impl)));
}

Result<PreparedPrompt::Run> PreparedPrompt::run(const Interventions& interventions,
                                                ForwardObserver* observer) const {
    const auto& m = m_impl->m();
    const auto T = static_cast<std::int64_t>(m_impl->ids.size());
    if (auto s = m_impl->model->checkInterventions(interventions, T); !s) return s.error();
    detail::InterventionState state;
    state.list = interventions;
    if (state.stream()) {
        auto out =
            m.forwardPass(*m_impl->model, m_impl->ids, observer, false, interventions, m_impl->image());
        if (!out) return out.error();
        return Run{std::move(out->logits), 0};
    }
    const int first = state.firstLayer(m.config.nLayers);
    if (first == m.config.nLayers) return Run{m_impl->baseLogits, first};
    try {
        c10::InferenceMode guard;
        if (auto st = m_impl->resolve(state); !st) return st.error();
        detail::ForwardContext ctx;
        ctx.observer = observer;
        ctx.interventions = &state;
        at::Tensor hidden = detail::forwardFromLayer(
            m.config, m.weights, m_impl->residuals[static_cast<std::size_t>(first)], first, ctx);
        return Run{Model::Impl::lastRow(
                       detail::projectLogits(m.config, m.weights, hidden.narrow(1, hidden.size(1) - 1, 1))),
                   first};
    } catch (const std::exception& e) {
        return Error{fmt::format("forward pass failed: {}", e.what())};
    }
}

Status PreparedPrompt::observeThrough(int lastLayer, const Interventions& interventions,
                                      ForwardObserver* observer) const {
    const auto& m = m_impl->m();
    if (lastLayer < 0 || lastLayer >= m.config.nLayers)
        return Error{fmt::format("layer {} is out of range (the model has {} layers, 0-{})", lastLayer,
                                 m.config.nLayers, m.config.nLayers - 1)};
    const auto T = static_cast<std::int64_t>(m_impl->ids.size());
    if (auto s = m_impl->model->checkInterventions(interventions, T); !s) return s.error();
    detail::InterventionState state;
    state.list = interventions;
    if (const Intervention* stream = state.stream())
        return Error{fmt::format("intervention \"{}\" keeps a streaming cache: its rows see the cached keys, "
                                 "not the prompt, so they are not recomputed one layer at a time",
                                 stream->spec)};
    const int first = std::min(state.firstLayer(m.config.nLayers), lastLayer);
    try {
        c10::InferenceMode guard;
        if (auto st = m_impl->resolve(state); !st) return st.error();
        detail::ForwardContext ctx;
        ctx.observer = observer;
        ctx.interventions = &state;
        ctx.lastLayer = lastLayer;
        detail::forwardFromLayer(m.config, m.weights, m_impl->residuals[static_cast<std::size_t>(first)],
                                 first, ctx);
    } catch (const std::exception& e) {
        return Error{fmt::format("forward pass failed: {}", e.what())};
    }
    return okStatus();
}

} // namespace sinkscope

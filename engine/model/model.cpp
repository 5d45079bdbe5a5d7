#include "model/model.h"

#include "core/allocator.h"
#include "io/model_directory.h"
#include "model/device.h"
#include "model/sampler.h"
#include "model/transformer.h"

#include <c10/core/InferenceMode.h>
#include <filesystem>
#include <fmt/format.h>

namespace sinkscope {

struct Model::Impl {
    ModelConfig config;
    ModelFormat format = ModelFormat::HfSafetensors;
    std::string path;
    detail::TransformerWeights weights;
    std::unique_ptr<Tokenizer> tokenizer;
    at::Device device = at::kCPU;
    std::vector<std::string> notices;

    at::Tensor tokensTensor(const std::vector<std::int32_t>& ids) const {
        std::vector<std::int64_t> v(ids.begin(), ids.end());
        return at::tensor(v, at::TensorOptions().dtype(at::kLong))
            .view({1, static_cast<std::int64_t>(v.size())})
            .to(device);
    }
    static std::vector<float> lastRow(const at::Tensor& logits) {
        at::Tensor row = logits[0][logits.size(1) - 1].to(at::kCPU, at::kFloat).contiguous();
        return {row.data_ptr<float>(), row.data_ptr<float>() + row.numel()};
    }
};

namespace {

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

    if (hasTokenizerFiles(files->directory)) {
        auto tok = loadTokenizerFromDirectory(files->directory);
        if (!tok) return tok.error();
        impl->tokenizer = std::move(tok.value());
    } else {
        impl->notices.push_back(fmt::format("no tokenizer next to the model in {}: drive it by token ids",
                                            files->directory.empty() ? "." : files->directory));
    }
    try {
        c10::InferenceMode guard;
        impl->weights = detail::weightsFromStore(impl->config, files->weights, impl->device);
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

std::string Model::describe() const {
    const auto& c = m_impl->config;
    return fmt::format("{} ({}, {}): {} layers, {} heads ({} kv), d_model {}, vocab {}, {} attention",
                       m_impl->path, c.modelType, modelFormatName(m_impl->format), c.nLayers, c.nHeads,
                       c.nKvHeads, c.dModel, c.vocabSize, attentionKindName(c.attention));
}

Status Model::checkTokenIds(const std::vector<std::int32_t>& ids) const {
    const auto& c = m_impl->config;
    if (ids.empty()) return Error{"the prompt is empty: give at least one token"};
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= c.vocabSize)
            return Error{fmt::format("token id {} at position {} is outside the vocabulary (0..{})", ids[i],
                                     i, c.vocabSize - 1)};
    if (c.family == Family::Gpt2 && static_cast<std::int64_t>(ids.size()) > c.maxPositions)
        return Error{fmt::format("the prompt has {} tokens but the model has {} learned positions",
                                 ids.size(), c.maxPositions)};
    return okStatus();
}

Result<ForwardOutput> Model::forward(const std::vector<std::int32_t>& ids, ForwardObserver* observer,
                                     bool allLogits) const {
    if (auto s = checkTokenIds(ids); !s) return s.error();
    try {
        c10::InferenceMode guard;
        detail::ForwardContext ctx{observer, nullptr};
        at::Tensor hidden =
            detail::forwardHidden(m_impl->config, m_impl->weights, m_impl->tokensTensor(ids), ctx);
        if (!allLogits) hidden = hidden.narrow(1, hidden.size(1) - 1, 1);
        at::Tensor logits =
            detail::projectLogits(m_impl->weights, hidden)[0].to(at::kCPU, at::kFloat).contiguous();
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
                                         const ProgressCallback& progress) const {
    if (auto s = checkTokenIds(prompt); !s) return s.error();
    const auto& c = m_impl->config;
    int maxNew = std::max(0, options.maxNewTokens);
    if (c.family == Family::Gpt2)
        maxNew = std::min<int>(maxNew, c.maxPositions - static_cast<int>(prompt.size()));
    try {
        c10::InferenceMode guard;
        detail::KvCache cache;
        cache.capacity = static_cast<std::int64_t>(prompt.size()) + maxNew;
        detail::ForwardContext ctx{observer, &cache};
        Sampler sampler({options.temperature, options.topK, options.topP}, options.seed);

        GenerationOutput out;
        at::Tensor hidden = detail::forwardHidden(c, m_impl->weights, m_impl->tokensTensor(prompt), ctx);
        std::vector<float> logits =
            Impl::lastRow(detail::projectLogits(m_impl->weights, hidden.narrow(1, hidden.size(1) - 1, 1)));
        out.nextTokenLogits = logits;
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
            hidden = detail::forwardHidden(c, m_impl->weights, m_impl->tokensTensor({next}), ctx);
            logits = Impl::lastRow(detail::projectLogits(m_impl->weights, hidden));
        }
        return out;
    } catch (const std::exception& e) {
        return Error{fmt::format("generation failed: {}", e.what())};
    }
}

} // namespace sinkscope

#include "train/train_config.h"

#include "core/json_parse.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>
#include <type_traits>
#include <utility>

namespace sinkscope {

using nlohmann::json;

ModelConfig TrainConfig::modelConfig(int vocabSize, std::int32_t bosId, std::int32_t eosId) const {
    ModelConfig m;
    m.family = Family::Llama;
    m.modelType = "llama";
    m.nLayers = layers;
    m.nHeads = heads;
    m.nKvHeads = kvHeads;
    m.dModel = dModel;
    m.dFf = dFf;
    m.headDim = dModel / heads;
    m.vocabSize = vocabSize;
    m.maxPositions = seqLen;
    m.normEps = 1e-5;
    m.ropeTheta = ropeTheta;
    m.tieEmbeddings = tieEmbeddings;
    m.activation = Activation::Silu;
    m.attention = attention;
    m.sinkLogitLearned = sinkLogitLearned;
    m.sinkLogit = sinkLogit;
    m.sigmoidBias = sigmoidBias;
    m.bosId = bosId;
    m.eosId = eosId;
    m.addBos = bos;
    return m;
}

namespace {

// Reads j[key] into out when present. The value must have out's type and fit it: nlohmann's own
// conversions would truncate 2.5 to an int, wrap 2^40 and leave 1e300 -> int undefined.
template <typename T>
void field(const json& j, const char* key, T& out, std::string& error, const std::string& source) {
    if (!j.contains(key) || !error.empty()) return;
    const json& v = j.at(key);
    const char* expected = nullptr;
    if constexpr (std::is_same_v<T, bool>) {
        if (v.is_boolean())
            out = v.get<bool>();
        else
            expected = "true or false";
    } else if constexpr (std::is_integral_v<T>) {
        const bool fits = v.is_number_unsigned()  ? std::in_range<T>(v.get<std::uint64_t>())
                          : v.is_number_integer() ? std::in_range<T>(v.get<std::int64_t>())
                                                  : false;
        if (fits)
            out = static_cast<T>(v.is_number_unsigned() ? v.get<std::uint64_t>() : v.get<std::int64_t>());
        else
            expected = "an integer in range";
    } else {
        const bool fits = v.is_number() && std::abs(v.get<double>()) <= std::numeric_limits<T>::max();
        if (fits)
            out = static_cast<T>(v.get<double>());
        else
            expected = "a number in range";
    }
    if (expected)
        error = fmt::format("{}: field '{}' must be {}, got {}", source, key, expected, jsonExcerpt(v));
}

} // namespace

Result<TrainConfig> parseTrainConfig(const std::string& text, const std::string& source) {
    auto parsed = parseJson(text, source);
    if (!parsed) return parsed.error();
    json& j = *parsed;
    if (!j.is_object()) return Error{fmt::format("{}: top level is not an object", source)};
    static const char* known[] = {"layers",
                                  "heads",
                                  "kv_heads",
                                  "d_model",
                                  "d_ff",
                                  "rope_theta",
                                  "attention",
                                  "sink_logit",
                                  "sigmoid_bias",
                                  "tie_embeddings",
                                  "seq_len",
                                  "batch_size",
                                  "bos",
                                  "lr",
                                  "min_lr",
                                  "warmup_steps",
                                  "total_steps",
                                  "weight_decay",
                                  "beta1",
                                  "beta2",
                                  "eps",
                                  "grad_clip",
                                  "init_std",
                                  "seed",
                                  "checkpoint_every",
                                  "log_every",
                                  "val_batches",
                                  "probe_count",
                                  "probe_len",
                                  "threads",
                                  "keep_checkpoints",
                                  "comment"};
    for (const auto& [k, v] : j.items()) {
        bool ok = false;
        for (const char* n : known)
            ok = ok || k == n;
        if (!ok) return Error{fmt::format("{}: unknown field '{}'", source, excerpt(k))};
    }
    TrainConfig c;
    std::string err;
    field(j, "layers", c.layers, err, source);
    field(j, "heads", c.heads, err, source);
    c.kvHeads = c.heads;
    field(j, "kv_heads", c.kvHeads, err, source);
    field(j, "d_model", c.dModel, err, source);
    field(j, "d_ff", c.dFf, err, source);
    field(j, "rope_theta", c.ropeTheta, err, source);
    field(j, "tie_embeddings", c.tieEmbeddings, err, source);
    field(j, "seq_len", c.seqLen, err, source);
    field(j, "batch_size", c.batchSize, err, source);
    field(j, "bos", c.bos, err, source);
    field(j, "lr", c.lr, err, source);
    field(j, "min_lr", c.minLr, err, source);
    field(j, "warmup_steps", c.warmupSteps, err, source);
    field(j, "total_steps", c.totalSteps, err, source);
    field(j, "weight_decay", c.weightDecay, err, source);
    field(j, "beta1", c.beta1, err, source);
    field(j, "beta2", c.beta2, err, source);
    field(j, "eps", c.eps, err, source);
    field(j, "grad_clip", c.gradClip, err, source);
    field(j, "init_std", c.initStd, err, source);
    field(j, "seed", c.seed, err, source);
    field(j, "checkpoint_every", c.checkpointEvery, err, source);
    field(j, "keep_checkpoints", c.keepCheckpoints, err, source);
    field(j, "log_every", c.logEvery, err, source);
    field(j, "val_batches", c.valBatches, err, source);
    field(j, "probe_count", c.probeCount, err, source);
    field(j, "probe_len", c.probeLen, err, source);
    field(j, "threads", c.threads, err, source);
    field(j, "sigmoid_bias", c.sigmoidBias, err, source);
    if (!err.empty()) return Error{err};
    if (j.contains("attention")) {
        const auto a = j["attention"].is_string() ? j["attention"].get<std::string>() : std::string();
        if (a == "softmax")
            c.attention = AttentionKind::Softmax;
        else if (a == "sink_logit")
            c.attention = AttentionKind::SinkLogit;
        else if (a == "sigmoid")
            c.attention = AttentionKind::Sigmoid;
        else
            return Error{fmt::format("{}: 'attention' must be softmax, sink_logit or sigmoid, got {}", source,
                                     jsonExcerpt(j["attention"]))};
    }
    if (j.contains("sink_logit")) {
        if (j["sink_logit"] == "learned")
            c.sinkLogitLearned = true;
        else if (j["sink_logit"].is_number() &&
                 std::abs(j["sink_logit"].get<double>()) <= std::numeric_limits<float>::max())
            c.sinkLogit = static_cast<float>(j["sink_logit"].get<double>());
        else
            return Error{fmt::format("{}: 'sink_logit' must be a number or \"learned\"", source)};
    }
    auto positive = [&](const char* name, double v) {
        if (v <= 0 && err.empty()) err = fmt::format("{}: '{}' must be positive, got {}", source, name, v);
    };
    positive("layers", c.layers);
    positive("heads", c.heads);
    positive("kv_heads", c.kvHeads);
    positive("d_model", c.dModel);
    positive("d_ff", c.dFf);
    positive("seq_len", c.seqLen);
    positive("batch_size", c.batchSize);
    positive("lr", c.lr);
    positive("total_steps", static_cast<double>(c.totalSteps));
    positive("checkpoint_every", c.checkpointEvery);
    positive("probe_len", c.probeLen);
    if (!err.empty()) return Error{err};
    if (c.dModel % c.heads != 0 || (c.dModel / c.heads) % 2 != 0)
        return Error{
            fmt::format("{}: d_model {} must split into {} heads of even size", source, c.dModel, c.heads)};
    if (c.heads % c.kvHeads != 0)
        return Error{
            fmt::format("{}: heads {} must be a multiple of kv_heads {}", source, c.heads, c.kvHeads)};
    if (c.probeLen > c.seqLen)
        return Error{fmt::format("{}: probe_len {} exceeds seq_len {}", source, c.probeLen, c.seqLen)};
    return c;
}

std::string trainConfigToJson(const TrainConfig& c) {
    json j;
    j["layers"] = c.layers;
    j["heads"] = c.heads;
    j["kv_heads"] = c.kvHeads;
    j["d_model"] = c.dModel;
    j["d_ff"] = c.dFf;
    j["rope_theta"] = c.ropeTheta;
    j["attention"] = attentionKindName(c.attention);
    if (c.attention == AttentionKind::SinkLogit)
        j["sink_logit"] = c.sinkLogitLearned ? json("learned") : json(c.sinkLogit);
    if (c.attention == AttentionKind::Sigmoid) j["sigmoid_bias"] = c.sigmoidBias;
    j["tie_embeddings"] = c.tieEmbeddings;
    j["seq_len"] = c.seqLen;
    j["batch_size"] = c.batchSize;
    j["bos"] = c.bos;
    j["lr"] = c.lr;
    j["min_lr"] = c.minLr;
    j["warmup_steps"] = c.warmupSteps;
    j["total_steps"] = c.totalSteps;
    j["weight_decay"] = c.weightDecay;
    j["beta1"] = c.beta1;
    j["beta2"] = c.beta2;
    j["eps"] = c.eps;
    j["grad_clip"] = c.gradClip;
    j["init_std"] = c.initStd;
    j["seed"] = c.seed;
    j["checkpoint_every"] = c.checkpointEvery;
    if (c.keepCheckpoints) j["keep_checkpoints"] = true; // absent otherwise: old recipes read the same
    j["log_every"] = c.logEvery;
    j["val_batches"] = c.valBatches;
    j["probe_count"] = c.probeCount;
    j["probe_len"] = c.probeLen;
    j["threads"] = c.threads;
    return j.dump(2) + "\n";
}

double learningRateAt(const TrainConfig& c, std::int64_t step) {
    if (step < c.warmupSteps) return c.lr * static_cast<double>(step + 1) / c.warmupSteps;
    if (step >= c.totalSteps) return c.minLr;
    const double progress = static_cast<double>(step - c.warmupSteps) /
                            std::max<double>(1.0, static_cast<double>(c.totalSteps - c.warmupSteps));
    return c.minLr + 0.5 * (c.lr - c.minLr) * (1.0 + std::cos(std::numbers::pi * progress));
}

} // namespace sinkscope

#include "io/rope_scaling.h"

#include "core/json_parse.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace {

using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;

// One scaling object's fields; `where` is "FILE: rope_scaling" (or rope_parameters) for messages.
struct Fields {
    const json& obj;
    std::string where;
    std::string type;

    const json* get(const char* key) const {
        const auto it = obj.find(key);
        return it == obj.end() || it->is_null() ? nullptr : &*it;
    }
    Status missing(const char* key) const {
        return Error{fmt::format("{} type '{}' needs '{}'", where, type, key)};
    }
    // A positive finite number; absent keeps `out` unless required.
    Status number(const char* key, double& out, bool required) const {
        const json* v = get(key);
        if (!v) return required ? missing(key) : okStatus();
        if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() <= 0)
            return Error{
                fmt::format("{} field '{}' must be a positive number, got {}", where, key, jsonExcerpt(*v))};
        out = v->get<double>();
        return okStatus();
    }
    Status positions(const char* key, int& out) const {
        const json* v = get(key);
        if (!v) return okStatus();
        const double d = v->is_number() ? v->get<double>() : -1.0;
        if (!(d >= 1 && d <= (1 << 30) && std::floor(d) == d))
            return Error{
                fmt::format("{} field '{}' must be a positive integer, got {}", where, key, jsonExcerpt(*v))};
        out = static_cast<int>(d);
        return okStatus();
    }
    Status boolean(const char* key, bool& out) const {
        const json* v = get(key);
        if (!v) return okStatus();
        if (!v->is_boolean())
            return Error{
                fmt::format("{} field '{}' must be true or false, got {}", where, key, jsonExcerpt(*v))};
        out = v->get<bool>();
        return okStatus();
    }
};

// _compute_yarn_parameters' get_mscale.
double yarnMscale(double scale, double mscale) {
    return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

// _compute_yarn_parameters: factor (null: max_position_embeddings / original), the attention
// factor (explicit, or from mscale / mscale_all_dim when both are set and non-zero, or from the
// factor alone), the ramp bounds (null or 0: 32 and 1, as HF's `or` defaults them) and truncate.
Status readYarn(const Fields& f, int maxPositions, RopeScaling& s) {
    if (!f.obj.contains("factor")) return f.missing("factor");
    s.factor = static_cast<double>(maxPositions) / s.originalMaxPositions;
    if (auto st = f.number("factor", s.factor, false); !st) return st;
    double mscale = 0.0, mscaleAllDim = 0.0;
    for (auto [key, out] : {std::pair{"mscale", &mscale}, std::pair{"mscale_all_dim", &mscaleAllDim}}) {
        const json* v = f.get(key);
        if (!v) continue;
        if (!v->is_number() || !std::isfinite(v->get<double>()))
            return Error{
                fmt::format("{} field '{}' must be a number, got {}", f.where, key, jsonExcerpt(*v))};
        *out = v->get<double>();
    }
    if (f.get("attention_factor")) {
        if (auto st = f.number("attention_factor", s.attentionFactor, false); !st) return st;
    } else if (mscale != 0.0 && mscaleAllDim != 0.0) {
        s.attentionFactor = yarnMscale(s.factor, mscale) / yarnMscale(s.factor, mscaleAllDim);
    } else {
        s.attentionFactor = yarnMscale(s.factor, 1.0);
    }
    for (auto [key, out] : {std::pair{"beta_fast", &s.betaFast}, std::pair{"beta_slow", &s.betaSlow}}) {
        const json* v = f.get(key);
        if (v && v->is_number() && v->get<double>() == 0.0) continue; // HF: `or` default
        if (auto st = f.number(key, *out, false); !st) return st;
    }
    return f.boolean("truncate", s.truncate);
}

// The scaling object: "rope_scaling" wins over "rope_parameters" as in HF's
// convert_rope_params_to_dict; per-layer-type parameters are accepted only for full attention.
// A list of positive finite numbers (longrope's factors), at most 1 << 16 long.
Status factorList(const Fields& f, const char* key, std::vector<double>& out) {
    const json* v = f.get(key);
    if (!v) return f.missing(key);
    if (!v->is_array() || v->empty() || v->size() > (1u << 16))
        return Error{
            fmt::format("{} field '{}' must be a list of numbers, got {}", f.where, key, jsonExcerpt(*v))};
    out.clear();
    for (const auto& x : *v) {
        if (!x.is_number() || !std::isfinite(x.get<double>()) || x.get<double>() <= 0)
            return Error{
                fmt::format("{} field '{}' holds {}, not a positive number", f.where, key, jsonExcerpt(x))};
        out.push_back(x.get<double>());
    }
    return okStatus();
}

// _compute_longrope_parameters: with a top-level original_max_position_embeddings (Phi-3), the
// factor is max_position_embeddings over it; otherwise the object's factor over
// max_position_embeddings. The attention factor, unless given: sqrt(1 + ln(factor) / ln(original)).
Status readLongrope(const Fields& f, const json& config, int maxPositions, RopeScaling& s) {
    if (auto st = factorList(f, "short_factor", s.shortFactor); !st) return st;
    if (auto st = factorList(f, "long_factor", s.longFactor); !st) return st;
    if (s.shortFactor.size() != s.longFactor.size())
        return Error{fmt::format("{} short_factor has {} entries but long_factor {}", f.where,
                                 s.shortFactor.size(), s.longFactor.size())};
    const auto top = config.find("original_max_position_embeddings");
    if (top != config.end() && !top->is_null()) {
        s.factor = static_cast<double>(maxPositions) / s.originalMaxPositions;
    } else {
        s.originalMaxPositions = maxPositions;
        s.factor = 1.0;
        if (auto st = f.number("factor", s.factor, false); !st) return st;
    }
    s.attentionFactor =
        s.factor <= 1.0 || s.originalMaxPositions <= 1
            ? 1.0
            : std::sqrt(1.0 + std::log(s.factor) / std::log(static_cast<double>(s.originalMaxPositions)));
    return f.number("attention_factor", s.attentionFactor, false);
}

const json* scalingObject(const json& config, std::string& key) {
    for (const char* k : {"rope_scaling", "rope_parameters"}) {
        const auto it = config.find(k);
        if (it == config.end() || it->is_null() || (it->is_object() && it->empty())) continue;
        key = k;
        return &*it;
    }
    return nullptr;
}

} // namespace

const char* ropeScalingName(RopeScalingType t) {
    switch (t) {
    case RopeScalingType::None:
        return "default";
    case RopeScalingType::Linear:
        return "linear";
    case RopeScalingType::Dynamic:
        return "dynamic";
    case RopeScalingType::Yarn:
        return "yarn";
    case RopeScalingType::Llama3:
        return "llama3";
    case RopeScalingType::Longrope:
        return "longrope";
    }
    return "?";
}

Result<RopeScaling> parseRopeScaling(const json& config, const std::string& source, int maxPositions,
                                     double& theta) {
    RopeScaling s;
    // A top-level partial_rotary_factor is recorded too: the config reader decides whether the
    // family turns part of each head (Phi-3, GPT-NeoX) or refuses it.
    if (const auto it = config.find("partial_rotary_factor"); it != config.end() && !it->is_null()) {
        if (!it->is_number() || !(it->get<double>() > 0 && it->get<double>() <= 1))
            return Error{fmt::format("{}: field 'partial_rotary_factor' must be a number in (0, 1], got {}",
                                     source, jsonExcerpt(*it))};
        s.partialRotary = it->get<double>();
    }
    std::string key;
    const json* obj = scalingObject(config, key);
    if (!obj) return s;
    if (!obj->is_object())
        return Error{fmt::format("{}: {} must be an object, got {}", source, key, jsonExcerpt(*obj))};
    if (obj->contains("full_attention") || obj->contains("sliding_attention")) {
        const auto full = obj->find("full_attention");
        if (obj->size() != 1 || full == obj->end() || !full->is_object())
            return Error{
                fmt::format("{}: per-layer-type {} {} are not supported", source, key, jsonExcerpt(*obj))};
        obj = &*full;
        key += ".full_attention";
    }
    const json* typeValue = nullptr;
    for (const char* k : {"rope_type", "type"})
        if (obj->contains(k) && !(*obj)[k].is_null()) {
            typeValue = &(*obj)[k];
            break;
        }
    if (typeValue && !typeValue->is_string())
        return Error{
            fmt::format("{}: {} type must be a string, got {}", source, key, jsonExcerpt(*typeValue))};
    const std::string type = typeValue ? typeValue->get<std::string>() : "default";
    Fields f{*obj, fmt::format("{}: {}", source, key), type};
    if (auto st = f.number("rope_theta", theta, false); !st) return st.error();
    // transformers v5 moves partial_rotary_factor (Phi-3, GPT-NeoX) into rope_parameters.
    if (const json* p = f.get("partial_rotary_factor")) {
        if (!p->is_number() || !(p->get<double>() > 0 && p->get<double>() <= 1))
            return Error{fmt::format("{} field 'partial_rotary_factor' must be a number in (0, 1], got {}",
                                     f.where, jsonExcerpt(*p))};
        s.partialRotary = p->get<double>();
    }

    // HF's standardize_rope_params: a top-level original_max_position_embeddings wins, then the
    // object's, then max_position_embeddings.
    s.originalMaxPositions = maxPositions;
    if (auto st = f.positions("original_max_position_embeddings", s.originalMaxPositions); !st)
        return st.error();
    if (const auto top = config.find("original_max_position_embeddings");
        top != config.end() && !top->is_null()) {
        Fields topLevel{config, source + ":", type};
        if (auto st = topLevel.positions("original_max_position_embeddings", s.originalMaxPositions); !st)
            return st.error();
    }

    if (type == "default") return s;
    if (type == "linear" || type == "dynamic") {
        s.type = type == "linear" ? RopeScalingType::Linear : RopeScalingType::Dynamic;
        if (auto st = f.number("factor", s.factor, true); !st) return st.error();
        return s;
    }
    if (type == "llama3") {
        s.type = RopeScalingType::Llama3;
        for (auto [k, out] : {std::pair{"factor", &s.factor}, std::pair{"low_freq_factor", &s.lowFreqFactor},
                              std::pair{"high_freq_factor", &s.highFreqFactor}})
            if (auto st = f.number(k, *out, true); !st) return st.error();
        if (s.highFreqFactor <= s.lowFreqFactor) // the smoothing divides by their difference
            return Error{fmt::format("{} high_freq_factor {} must exceed low_freq_factor {}", f.where,
                                     s.highFreqFactor, s.lowFreqFactor)};
        return s;
    }
    if (type == "yarn") {
        s.type = RopeScalingType::Yarn;
        if (auto st = readYarn(f, maxPositions, s); !st) return st.error();
        return s;
    }
    if (type == "longrope" || type == "su") { // "su": Phi-3's first name for it
        s.type = RopeScalingType::Longrope;
        if (auto st = readLongrope(f, config, maxPositions, s); !st) return st.error();
        return s;
    }
    return Error{fmt::format("{}: {} type '{}' is not supported (llama3, linear, dynamic, yarn, longrope)",
                             source, key, type)};
}

void writeRopeScaling(const RopeScaling& s, json& config) {
    if (s.type == RopeScalingType::None) return;
    json r;
    r["rope_type"] = ropeScalingName(s.type);
    r["factor"] = s.factor;
    if (s.type == RopeScalingType::Llama3) {
        r["low_freq_factor"] = s.lowFreqFactor;
        r["high_freq_factor"] = s.highFreqFactor;
        r["original_max_position_embeddings"] = s.originalMaxPositions;
        if (!s.freqFactors.empty()) r["frequency_factors"] = s.freqFactors; // not read back: GGUF only
    } else if (s.type == RopeScalingType::Longrope) {
        r["short_factor"] = s.shortFactor;
        r["long_factor"] = s.longFactor;
        r["attention_factor"] = s.attentionFactor;
        config["original_max_position_embeddings"] = s.originalMaxPositions;
        config["rope_scaling"] = r;
        // The factor comes back from max_position_embeddings over the original, as Phi-3 configs say it.
        return;
    } else if (s.type == RopeScalingType::Yarn) {
        r["original_max_position_embeddings"] = s.originalMaxPositions;
        r["attention_factor"] = s.attentionFactor;
        r["beta_fast"] = s.betaFast;
        r["beta_slow"] = s.betaSlow;
        r["truncate"] = s.truncate;
    }
    config["rope_scaling"] = r;
}

std::vector<double> ropeInverseFrequencies(const RopeScaling& s, double theta, int headDim, int maxPositions,
                                           std::int64_t seqLen) {
    const int half = headDim / 2;
    const double dim = headDim;
    // _compute_dynamic_ntk_parameters: the base grows once the sequence passes max_position_embeddings.
    double base = theta;
    if (s.type == RopeScalingType::Dynamic) {
        const double len = static_cast<double>(std::max<std::int64_t>(seqLen, maxPositions));
        base = theta * std::pow(s.factor * len / maxPositions - (s.factor - 1.0), dim / (dim - 2.0));
    }
    std::vector<double> inv(static_cast<std::size_t>(half));
    for (int i = 0; i < half; ++i)
        inv[static_cast<std::size_t>(i)] = 1.0 / std::pow(base, 2.0 * i / dim);
    if (s.type == RopeScalingType::Longrope) { // one divisor per frequency, long past the original context
        const auto& ext = seqLen > s.originalMaxPositions ? s.longFactor : s.shortFactor;
        for (int i = 0; i < half && static_cast<std::size_t>(i) < ext.size(); ++i)
            inv[static_cast<std::size_t>(i)] /= ext[static_cast<std::size_t>(i)];
    }

    switch (s.type) {
    case RopeScalingType::None:
    case RopeScalingType::Dynamic:
    case RopeScalingType::Longrope:
        break;
    case RopeScalingType::Linear: // _compute_linear_scaling_rope_parameters
        for (double& f : inv)
            f /= s.factor;
        break;
    case RopeScalingType::Llama3: { // _compute_llama3_parameters
        if (!s.freqFactors.empty()) {
            for (int i = 0; i < half && static_cast<std::size_t>(i) < s.freqFactors.size(); ++i)
                inv[static_cast<std::size_t>(i)] /= s.freqFactors[static_cast<std::size_t>(i)];
            break;
        }
        const double old = s.originalMaxPositions;
        const double lowWavelen = old / s.lowFreqFactor, highWavelen = old / s.highFreqFactor;
        for (double& f : inv) {
            const double wavelen = 2.0 * kPi / f;
            if (wavelen < highWavelen) continue; // high frequencies stay
            if (wavelen > lowWavelen) {
                f /= s.factor; // low frequencies are interpolated
                continue;
            }
            const double smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
            f = (1.0 - smooth) * f / s.factor + smooth * f;
        }
        break;
    }
    case RopeScalingType::Yarn: { // _compute_yarn_parameters
        auto correctionDim = [&](double rotations) {
            return dim * std::log(s.originalMaxPositions / (rotations * 2.0 * kPi)) / (2.0 * std::log(theta));
        };
        double low = correctionDim(s.betaFast), high = correctionDim(s.betaSlow);
        if (s.truncate) {
            low = std::floor(low);
            high = std::ceil(high);
        }
        low = std::max(low, 0.0);
        high = std::min(high, dim - 1.0);
        if (low == high) high += 0.001; // HF: prevents a zero-width ramp
        for (int i = 0; i < half; ++i) {
            // ramp 0: extrapolate (keep the frequency), 1: interpolate (divide by the factor).
            const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
            double& f = inv[static_cast<std::size_t>(i)];
            f = f / s.factor * ramp + f * (1.0 - ramp);
        }
        break;
    }
    }
    return inv;
}

double ropeAttentionScaling(const RopeScaling& s) {
    return s.type == RopeScalingType::Yarn || s.type == RopeScalingType::Longrope ? s.attentionFactor : 1.0;
}

} // namespace sinkscope

#pragma once
// Reads typed fields of a config.json object with one message per problem: the first error is kept
// (naming the file, the field and the value found) and later reads become no-ops for it. Shared by
// the per-family config readers.
#include "core/excerpt.h"
#include "core/json_parse.h"

#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sinkscope::detail {

using nlohmann::json;

struct Reader {
    const json& j;
    const std::string& source;
    std::string error;
    double rotaryFraction = 1.0; // partial rotary: the share of head_dim RoPE turns, resolved later

    // First key present among the aliases (HF configs name the same thing differently per family).
    const json* find(std::initializer_list<const char*> keys) const {
        for (const char* k : keys)
            if (j.contains(k) && !j[k].is_null()) return &j[k];
        return nullptr;
    }
    bool positiveInt(std::initializer_list<const char*> keys, int& out, bool required = true) {
        const json* v = find(keys);
        if (!v) {
            if (required && error.empty())
                error = fmt::format("{}: missing field '{}'", source, *keys.begin());
            return false;
        }
        if (!v->is_number_integer() || v->get<std::int64_t>() <= 0 || v->get<std::int64_t>() > (1 << 30)) {
            if (error.empty())
                error = fmt::format("{}: field '{}' must be a positive integer, got {}", source,
                                    *keys.begin(), jsonExcerpt(*v));
            return false;
        }
        out = v->get<int>();
        return true;
    }
    // A number that must be positive and finite (epsilons, RoPE's base): zero or a negative value
    // would make every activation NaN instead of failing.
    void positiveNumber(std::initializer_list<const char*> keys, double& out) {
        const json* v = find(keys);
        if (!v) return;
        const bool ok = v->is_number() && std::isfinite(v->get<double>()) && v->get<double>() > 0;
        if (!ok && error.empty())
            error =
                fmt::format("{}: field '{}' must be a positive finite number, got {}", source, *keys.begin(),
                            v->is_number() ? fmt::format("{}", v->get<double>()) : jsonExcerpt(*v));
        if (ok) out = v->get<double>();
    }
    // A number the forward pass uses as a float (a sink logit, a sigmoid bias): within float's range.
    void finiteFloat(std::initializer_list<const char*> keys, float& out) {
        const json* v = find(keys);
        if (!v) return;
        const bool ok = v->is_number() && std::isfinite(v->get<double>()) &&
                        std::abs(v->get<double>()) <= std::numeric_limits<float>::max();
        if (!ok && error.empty())
            error = fmt::format("{}: field '{}' must be a finite float, got {}", source, *keys.begin(),
                                v->is_number() ? fmt::format("{}", v->get<double>()) : jsonExcerpt(*v));
        if (ok) out = static_cast<float>(v->get<double>());
    }
    void boolean(const char* key, bool& out) {
        const json* v = find({key});
        if (!v) return;
        if (!v->is_boolean()) {
            if (error.empty())
                error =
                    fmt::format("{}: field '{}' must be true or false, got {}", source, key, jsonExcerpt(*v));
            return;
        }
        out = v->get<bool>();
    }
    // Token ids may be an int or a list of ints (some configs list several EOS ids).
    std::optional<std::int32_t> tokenId(const char* key) {
        const json* v = find({key});
        if (!v) return std::nullopt;
        if (v->is_array() && !v->empty()) v = &(*v)[0];
        // Past int32 an id would wrap onto a real token (2^32 + 1 -> 1): refused like a negative one.
        const bool id = v->is_number_unsigned() ? v->get<std::uint64_t>() <= INT32_MAX
                                                : v->is_number_integer() && v->get<std::int64_t>() >= 0 &&
                                                      v->get<std::int64_t>() <= INT32_MAX;
        if (!id) {
            if (error.empty())
                error =
                    fmt::format("{}: field '{}' must be a token id, got {}", source, key, jsonExcerpt(*v));
            return std::nullopt;
        }
        return v->get<std::int32_t>();
    }
    // A string field, or fallback when absent; the error names the type found instead.
    std::string string(const char* key, const char* fallback) {
        const json* v = find({key});
        if (!v) return fallback;
        if (!v->is_string()) {
            if (error.empty())
                error = fmt::format("{}: field '{}' must be a string, got {}", source, key, v->type_name());
            return fallback;
        }
        return v->get<std::string>();
    }
    // A soft-capping value: absent or null means off; otherwise a positive finite float.
    void softcap(const char* key, float& out) {
        const json* v = find({key});
        if (!v) return;
        float f = 0.0f;
        finiteFloat({key}, f);
        if (error.empty() && f <= 0.0f)
            error =
                fmt::format("{}: field '{}' must be positive or null, got {}", source, key, jsonExcerpt(*v));
        if (error.empty()) out = f;
    }
    // A fraction in (0, 1] (partial rotary factors).
    void fraction(std::initializer_list<const char*> keys, double& out) {
        const json* v = find(keys);
        if (!v) return;
        const bool ok = v->is_number() && v->get<double>() > 0 && v->get<double>() <= 1;
        if (!ok && error.empty())
            error = fmt::format("{}: field '{}' must be a number in (0, 1], got {}", source, *keys.begin(),
                                jsonExcerpt(*v));
        if (ok) out = v->get<double>();
    }
    Status status() const { return error.empty() ? okStatus() : Status(Error{error}); }
};

} // namespace sinkscope::detail

#include "io/gguf_meta.h"

#include <cmath>
#include <fmt/format.h>

namespace sinkscope {

void GgufMeta::fail(const std::string& k, const std::string& what) {
    if (m_error.empty()) m_error = fmt::format("{}: key '{}': {}", m_f.path(), k, what);
}

std::string GgufMeta::key(std::string_view k) const {
    return k.starts_with('.') ? m_arch + std::string(k) : std::string(k);
}

std::int64_t GgufMeta::integer(std::string_view k, std::int64_t lo, std::int64_t hi,
                               std::optional<std::int64_t> fallback) {
    const std::string name = key(k);
    const GgufValue* v = m_f.find(name);
    if (!v) {
        if (!fallback) fail(name, fmt::format("missing (required for a {} model)", m_arch));
        return fallback.value_or(lo);
    }
    const auto n = v->asInt();
    if (!n) {
        fail(name, fmt::format("has type {}, expected an integer", v->typeName()));
        return lo;
    }
    if (*n < lo || *n > hi) {
        fail(name, fmt::format("is {}, expected {} to {}", *n, lo, hi));
        return lo;
    }
    return *n;
}

double GgufMeta::positive(std::string_view k, std::optional<double> fallback) {
    const std::string name = key(k);
    const GgufValue* v = m_f.find(name);
    if (!v) {
        if (!fallback) fail(name, fmt::format("missing (required for a {} model)", m_arch));
        return fallback.value_or(1.0);
    }
    const auto x = v->asDouble();
    if (!x || !std::isfinite(*x) || *x <= 0) {
        fail(name, x ? fmt::format("is {}, expected a positive number", *x)
                     : fmt::format("has type {}, expected f32 or f64", v->typeName()));
        return 1.0;
    }
    return *x;
}

std::optional<std::string_view> GgufMeta::string(std::string_view k) {
    const std::string name = key(k);
    const GgufValue* v = m_f.find(name);
    if (!v) return std::nullopt;
    if (!v->asString()) fail(name, fmt::format("has type {}, expected string", v->typeName()));
    return v->asString();
}

std::optional<bool> GgufMeta::boolean(std::string_view k) {
    const std::string name = key(k);
    const GgufValue* v = m_f.find(name);
    if (!v) return std::nullopt;
    if (!v->asBool()) fail(name, fmt::format("has type {}, expected bool", v->typeName()));
    return v->asBool();
}

} // namespace sinkscope

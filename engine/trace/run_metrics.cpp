#include "trace/run_metrics.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace {

using nlohmann::json;

constexpr const char* kAlpha0 = "alpha0";
constexpr const char* kKlFromBase = "kl_from_base";

Error fieldError(const std::string& what) {
    return Error{"run metrics: " + what};
}

// Parsed without exceptions (as the readers always did): anything but an object is discarded.
json parseObject(std::string_view text) {
    auto j = json::parse(text.begin(), text.end(), nullptr, false);
    return j.is_object() ? j : json();
}

Result<std::vector<std::vector<double>>> alpha0Of(const json& m, int layers, int heads) {
    const auto table = m.find(kAlpha0);
    if (table == m.end()) return fieldError(fmt::format("no {}", kAlpha0));
    const auto bad = fieldError(fmt::format("{} is not a {} x {} table of numbers", kAlpha0, layers, heads));
    if (!table->is_array() || table->size() != static_cast<std::size_t>(layers)) return bad;
    std::vector<std::vector<double>> out;
    out.reserve(table->size());
    for (const auto& row : *table) {
        if (!row.is_array() || row.size() != static_cast<std::size_t>(heads)) return bad;
        auto& values = out.emplace_back();
        values.reserve(row.size());
        for (const auto& v : row) {
            if (!v.is_number()) return bad;
            values.push_back(v.get<double>());
        }
    }
    return out;
}

Result<double> sinkRateOf(const json& m, double eps) {
    const auto key = sinkRateKey(eps);
    const auto it = m.find(key);
    if (it == m.end()) return fieldError("no " + key);
    if (!it->is_number()) return fieldError(key + " is not a number");
    return it->get<double>();
}

Result<std::optional<double>> klOf(const json& m) {
    const auto it = m.find(kKlFromBase);
    if (it == m.end()) return std::optional<double>();
    if (!it->is_number()) return fieldError(fmt::format("{} is not a number", kKlFromBase));
    return std::optional<double>(it->get<double>());
}

} // namespace

std::string sinkRateKey(double eps) {
    return fmt::format("sink_rate_{}", eps);
}

std::string encodeRunMetrics(const RunMetrics& m) {
    json j{{kAlpha0, m.alpha0}, {sinkRateKey(m.eps), m.sinkRate}};
    if (m.klFromBase) j[kKlFromBase] = *m.klFromBase;
    return j.dump();
}

Result<RunMetrics> decodeRunMetrics(std::string_view text, int layers, int heads, double eps) {
    const json m = parseObject(text);
    if (!m.is_object()) return fieldError("not a JSON object");
    RunMetrics out;
    out.eps = eps;
    auto alpha0 = alpha0Of(m, layers, heads);
    if (!alpha0) return alpha0.error();
    out.alpha0 = std::move(alpha0.value());
    auto rate = sinkRateOf(m, eps);
    if (!rate) return rate.error();
    out.sinkRate = *rate;
    auto kl = klOf(m);
    if (!kl) return kl.error();
    out.klFromBase = *kl;
    return out;
}

RunMetrics readRunMetrics(std::string_view text, int layers, int heads, double eps) {
    RunMetrics out;
    out.eps = eps;
    const json m = parseObject(text);
    if (!m.is_object()) return out;
    if (auto alpha0 = alpha0Of(m, layers, heads)) out.alpha0 = std::move(alpha0.value());
    if (auto rate = sinkRateOf(m, eps)) out.sinkRate = *rate;
    if (auto kl = klOf(m)) out.klFromBase = *kl;
    return out;
}

} // namespace sinkscope

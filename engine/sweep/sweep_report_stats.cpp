#include "sweep/sweep_report_stats.h"

#include "trace/run_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

namespace sinkscope {

namespace {

constexpr std::string_view kSinkRatePrefix = "sink_rate_";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean(const std::vector<double>& v) {
    return v.empty() ? kNaN : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Population standard deviation (ddof = 0): defined for a single run, as numpy's default.
double stddev(const std::vector<double>& v) {
    if (v.empty()) return kNaN;
    const double m = mean(v);
    double sum = 0;
    for (double x : v)
        sum += (x - m) * (x - m);
    return std::sqrt(sum / static_cast<double>(v.size()));
}

// The mean alpha_0 over a run's layers x heads; NaN for a run without heads.
double meanAlpha0(const std::vector<std::vector<double>>& alpha0) {
    double sum = 0;
    std::size_t n = 0;
    for (const auto& row : alpha0) {
        sum += std::accumulate(row.begin(), row.end(), 0.0);
        n += row.size();
    }
    return n == 0 ? kNaN : sum / static_cast<double>(n);
}

} // namespace

std::optional<double> sinkEpsOf(std::string_view metricsJson) {
    const auto j = nlohmann::json::parse(metricsJson.begin(), metricsJson.end(), nullptr, false);
    if (!j.is_object()) return std::nullopt;
    std::optional<double> eps;
    for (const auto& [key, value] : j.items()) {
        if (key.rfind(kSinkRatePrefix, 0) != 0) continue;
        if (eps) return std::nullopt; // two thresholds in one run: which one the table means is unclear
        const char* first = key.data() + kSinkRatePrefix.size();
        double v = 0;
        const auto [end, ec] = std::from_chars(first, key.data() + key.size(), v);
        if (ec != std::errc() || end != key.data() + key.size() || !(v >= 0.0 && v <= 1.0))
            return std::nullopt;
        eps = v;
    }
    return eps;
}

Status GroupStats::add(const RunRecord& run) {
    ++m_runs;
    const auto eps = sinkEpsOf(run.metricsJson);
    auto metrics = eps ? decodeRunMetrics(run.metricsJson, run.layers, run.heads, *eps)
                       : Result<RunMetrics>(Error{"no sink rate"});
    const double alpha0 = metrics ? meanAlpha0(metrics->alpha0) : kNaN;
    if (!metrics || !std::isfinite(alpha0) || !std::isfinite(metrics->sinkRate)) {
        ++m_unreadable;
        return okStatus();
    }
    if (m_eps && *m_eps != *eps)
        return Error{fmt::format("runs {} and {} used different sink thresholds (eps {} and {})", m_epsRun,
                                 run.id, *m_eps, *eps)};
    if (!m_eps) {
        m_eps = eps;
        m_epsRun = run.id;
    }
    m_sinkRates.push_back(metrics->sinkRate);
    m_alpha0.push_back(alpha0);
    if (metrics->klFromBase && std::isfinite(*metrics->klFromBase)) m_kl.push_back(*metrics->klFromBase);
    return okStatus();
}

void GroupStats::finish(ReportRow& row) const {
    row.prompts = m_runs;
    row.unreadable = m_unreadable;
    row.sinkRate = mean(m_sinkRates);
    row.sinkEps = m_eps.value_or(kNaN);
    row.alpha0Mean = mean(m_alpha0);
    row.alpha0Std = stddev(m_alpha0);
    row.alpha0Min = m_alpha0.empty() ? kNaN : *std::min_element(m_alpha0.begin(), m_alpha0.end());
    row.alpha0Max = m_alpha0.empty() ? kNaN : *std::max_element(m_alpha0.begin(), m_alpha0.end());
    if (!m_kl.empty()) row.klMean = mean(m_kl);
}

} // namespace sinkscope

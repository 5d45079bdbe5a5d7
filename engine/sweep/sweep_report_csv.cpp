// The sweep report as CSV, for spreadsheets and pandas: one header, one record per row.
#include "core/atomic_file.h"
#include "sweep/sweep_report.h"

#include <cmath>
#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr const char* kHeader = "model,intervention,checkpoint,step,prompts,sink_rate,sink_eps,alpha0_mean,"
                                "alpha0_std,alpha0_min,alpha0_max,kl_mean\n";

// %.9g: enough digits that a float32-derived statistic reads back the same; empty when missing.
std::string number(double v) {
    return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string();
}

std::string record(const ReportRow& r) {
    return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", csvField(r.model), csvField(r.intervention),
                       csvField(r.checkpoint), r.step >= 0 ? std::to_string(r.step) : std::string(),
                       r.prompts, number(r.sinkRate), number(r.sinkEps), number(r.alpha0Mean),
                       number(r.alpha0Std), number(r.alpha0Min), number(r.alpha0Max),
                       r.klMean ? number(*r.klMean) : std::string());
}

} // namespace

std::string csvField(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string sweepReportCsv(const SweepReport& report) {
    std::string out = kHeader;
    for (const ReportRow& r : report.rows)
        out += record(r);
    return out;
}

Status writeSweepReportCsv(const SweepReport& report, const std::string& path) {
    return writeFileAtomically(path, sweepReportCsv(report));
}

} // namespace sinkscope

#pragma once
// The statistics of one group of a sweep report (internal to sweep_report.cpp, apart for its
// size): each run's metrics decoded strictly, so that a damaged field marks the run unreadable
// instead of counting as a sink rate of 0 as the lenient display reader would.
#include "core/result.h"
#include "sweep/sweep_report.h"
#include "trace/trace_types.h"

#include <optional>
#include <string_view>
#include <vector>

namespace sinkscope {

// The eps of a metrics JSON's single "sink_rate_<eps>" key; none when there is no such key, more
// than one, or its suffix is not a number in (0, 1].
std::optional<double> sinkEpsOf(std::string_view metricsJson);

class GroupStats {
public:
    // Counts the run; its metrics join the statistics when they decode. The one error: its eps
    // differs from that of the group's earlier runs.
    Status add(const RunRecord& run);
    // Fills prompts, unreadable and the statistics of row.
    void finish(ReportRow& row) const;

private:
    std::int64_t m_runs = 0, m_unreadable = 0;
    std::optional<double> m_eps;
    std::int64_t m_epsRun = 0; // the run that set m_eps, for the error
    std::vector<double> m_sinkRates, m_alpha0, m_kl;
};

} // namespace sinkscope

#pragma once
// The results table of a sweep: the runs of a (merged) sweep trace grouped by model, intervention
// and training checkpoint, each group summarised by its mean Sink_1^eps and the spread of alpha_0,
// as the sail-sg paper tabulates them. The report reads only each run's stored metrics
// (trace/run_metrics.h), so it costs no model and works on any trace, not only on sweeps.
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

enum class GroupKey { Model, Intervention, Checkpoint };

// Every key, in the table's order: the default grouping.
std::vector<GroupKey> allGroupKeys();
const char* groupKeyName(GroupKey key); // "model", "intervention", "checkpoint"

// "model,intervention" (any order, no repeats) -> keys in the table's order. Unknown or repeated
// names are one error naming them: `--by: unknown key "modle" (use model, intervention, checkpoint)`.
Result<std::vector<GroupKey>> parseGroupKeys(std::string_view text);

// One group of runs. A key the report does not group by is empty in every row (step -1).
struct ReportRow {
    std::string model;           // the model path without its checkpoint component (splitCheckpoint)
    std::string intervention;    // the run's SPECs joined with " + "; "none" for an unmodified run
    std::string checkpoint;      // e.g. "step1000"; empty when the model path names no checkpoint
    std::int64_t step = -1;      // the checkpoint's step; -1 without one
    std::int64_t prompts = 0;    // runs in the group, readable or not
    std::int64_t unreadable = 0; // runs whose metrics do not decode: in `prompts`, in no statistic
    // Statistics over the readable runs; NaN when there are none.
    double sinkRate = 0; // mean Sink_1^eps of the runs, percent
    double sinkEps = 0;  // the eps every readable run used
    double alpha0Mean = 0, alpha0Std = 0, alpha0Min = 0, alpha0Max = 0; // over runs' mean alpha_0
    std::optional<double> klMean;     // mean KL(base || run) over the runs that store one
    std::vector<std::int64_t> runIds; // every run of the group, oldest first (for drill-down)
};

struct SweepReport {
    std::vector<GroupKey> by;
    // Sorted by model, checkpoint step, then intervention in the order the trace first holds it,
    // "none" first.
    std::vector<ReportRow> rows;
};

// Opens the trace read-only. Errors name the file: not a trace, unreadable, or a group whose runs
// used different sink thresholds (their means would mix two definitions).
// Per run: alpha_0 is the mean over its layers x heads; alpha0Std is the population standard
// deviation over the group's runs (numpy's default), 0 for a single run.
Result<SweepReport> readSweepReport(const std::string& tracePath,
                                    const std::vector<GroupKey>& by = allGroupKeys());

// The eps every row with statistics used; none when rows differ (or no row has statistics).
std::optional<double> commonSinkEps(const SweepReport& report);

// CSV with the header
//   model,intervention,checkpoint,step,prompts,sink_rate,sink_eps,alpha0_mean,alpha0_std,alpha0_min,alpha0_max,kl_mean
// RFC 4180 quoting, CRLF-free (one '\n' per record), numbers in %.9g, empty for missing values.
std::string sweepReportCsv(const SweepReport& report);
// sweepReportCsv written atomically (engine/core's AtomicFile); errors name the path.
Status writeSweepReportCsv(const SweepReport& report, const std::string& path);

// One CSV field, quoted when it holds a comma, a quote, CR or LF (quotes doubled).
std::string csvField(std::string_view text);

} // namespace sinkscope

#pragma once
// `sinkscope-cli run --explain-row LAYER,HEAD,QUERY`: one query row of one head, from the scores
// the pass formed to the weights the model made of them, unmodified and (with --intervention)
// intervened — the desktop app's "Mechanism (one query row)" panel as a table.
#include "model_input.h"

#include <cstdint>
#include <string>

namespace sinkscope::cli {

struct RowIndex {
    int layer = 0, head = 0;
    std::int64_t query = 0;
};

// Parses LAYER,HEAD,QUERY (checked against the model and prompt by the engine, later).
Result<RowIndex> parseRowIndex(const std::string& text);

// Explains that row of the run's prompt under its interventions and prints it (tables, or one
// JSON object); returns the exit code.
int runExplainRow(const ModelRun& run, const RowIndex& row, bool json);

} // namespace sinkscope::cli

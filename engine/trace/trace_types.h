#pragma once
// The records a trace file holds: one run of a model on a prompt (identity, exact tokens,
// settings, outputs, metrics) and the tensors captured during it, and the sink timelines of
// training runs. Plain data, no SQLite types.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

struct ModelIdentity {
    std::string path, architecture, configHash;
    std::int64_t parameters = 0;
};

struct RankedEntry {
    std::int32_t id = 0;
    double prob = 0;
    std::string text;
};

struct RunRecord {
    std::int64_t id = 0;    // assigned by writeRun / beginRun
    std::string createdAt;  // ISO 8601 UTC ("2025-01-31T12:34:56.789Z"); filled by writeRun when empty
    std::string label;      // free text, e.g. "base" / "intervened"
    std::int64_t group = 0; // runs written together (compare pairs) share a group; 0 = own id
    ModelIdentity model;
    std::vector<std::int32_t> tokenIds;
    std::vector<std::string> tokens;            // token strings, any bytes; empty or one per token id
    std::string promptText;                     // decoded prompt for filtering; may be empty
    std::vector<std::string> interventions;     // SPEC strings, in the order applied
    std::string settingsJson;                   // sampling settings, device, ... (opaque JSON text)
    std::vector<std::vector<RankedEntry>> topK; // per step (step 0 = next token after the prompt)
    std::vector<std::int32_t> generatedIds;
    std::string generatedText;
    std::string metricsJson; // RunMetrics as JSON (trace/run_metrics.h); the store keeps it as text
    int layers = 0, heads = 0;
};

enum class MapKind { Attention, Scores };

// One (step, layer, head): rows = queries firstRow.., cols = keys 0..cols-1. Entries with
// col > firstRow + r (the causal upper triangle) are not stored when they hold the mask value
// and read back as 0 (Attention) or -inf (Scores).
struct AttentionMap {
    int step = 0, layer = 0, head = 0;
    MapKind kind = MapKind::Attention;
    std::int64_t firstRow = 0, rows = 0, cols = 0;
    std::vector<float> values; // row-major rows x cols
};

enum class NormKind { Hidden, Key, Value };

// A norm per token: hidden states per layer (head = -1), key/value states per layer and head.
struct NormSeries {
    NormKind kind = NormKind::Hidden;
    int layer = 0;
    int head = -1;
    std::int64_t firstToken = 0;
    std::vector<float> values;
};

struct RunSummary {
    std::int64_t id = 0, group = 0;
    std::string createdAt, label, modelPath, promptText;
    std::vector<std::string> interventions;
    std::int64_t tokens = 0;      // prompt token ids
    std::int64_t generated = 0;   // generated token ids
    std::int64_t storedBytes = 0; // bytes of the run's encoded maps and norms
};

// Substrings, empty = any. Matching is SQL LIKE: case-insensitive for ASCII letters only.
// (The initializers let callers name only some fields, {.model = "gpt2"}, without warnings.)
struct RunFilter {
    std::string model = {};
    std::string prompt = {};
    std::string intervention = {};
};

// One point of a training run's sink timeline, evaluated at a checkpoint on the fixed probe set.
struct TimelinePoint {
    std::int64_t step = 0, tokens = 0;
    double trainLoss = 0, valLoss = 0, probeLoss = 0;
    double sinkRate = 0;                     // Sink^0.3 of the first token, percent of (sample, layer, head)
    std::vector<std::vector<double>> alpha0; // [layer][head], mean over probe sequences
    // How much the checkpoint's behaviour rests on its sink (train/lesson_probe.h); absent in
    // runs without a held-out text and in timelines written before these were measured.
    std::optional<double> streamPplWindow; // perplexity, StreamingLLM cache of the window only
    std::optional<double> streamPplSinks;  // perplexity, the same window plus the first tokens
    std::optional<double> suppressionKl;   // mean KL(base || all-head suppression), nats
};

// A training timeline as listed: its name (the training run it came from) and its last point.
struct TimelineSummary {
    std::string name;
    std::int64_t points = 0;
    std::int64_t lastStep = 0, lastTokens = 0;
    double lastValLoss = 0, lastSinkRate = 0;
};

} // namespace sinkscope

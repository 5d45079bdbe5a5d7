#pragma once
// The thresholds of the published methods, named once: every command, panel and stored record that
// uses one reads it from here, so that the figures SinkScope prints, draws and stores agree.
// Header-only, so that torch-free libraries (the trace store) can name them without linking metrics.

namespace sinkscope {

// Sink_k^eps and sink heads: a head is a sink head when its alpha_0 (mean attention on the first
// token) is above eps. eps = 0.3 as in Gu et al., "When Attention Sink Emerges in Language Models"
// (ICLR 2025), whose Sink_1^0.3 the CLI, the desktop app and the trainer's timeline all report.
inline constexpr double kSinkEpsilon = 0.3;

// Catch, tag, release (Zhang, Khan & Papyan 2025): a token i is caught by the sink s of a head when
// A[i, s] >= theta.
inline constexpr double kCatchTheta = 0.3;

} // namespace sinkscope

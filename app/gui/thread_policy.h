#pragma once
// The inference threads must not starve the GUI thread. LibTorch's OpenMP workers spin-wait
// between operations by default, which on a 2-core machine keeps both cores busy during a
// generation and delays the event loop by hundreds of milliseconds. Passive waiting fixes that,
// but the OpenMP runtime reads its settings when the library loads, before main() runs; so the
// process re-executes itself once with them set.
namespace sinkscope::gui {

// Call first thing in main(). Returns normally when the settings are already in place (or the
// re-exec failed: the app then still works, only less responsively).
void ensurePassiveThreadWaits(char** argv);

} // namespace sinkscope::gui

#pragma once
// Process-wide malloc settings for tensor work. glibc serves large blocks with mmap and returns
// them on free, so every forward pass page-faults its attention buffers in again (measured: a
// 1024-token stories260K forward took 535 ms with the defaults and 175-200 ms with these
// settings). Keeping freed memory in the heap avoids that at the cost of a heap that does not
// shrink. Idempotent; called by the engine's entry points (model load, training).
namespace sinkscope {

void configureAllocatorForTensors();

} // namespace sinkscope

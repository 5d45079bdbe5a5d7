#pragma once
// Training alternates LibTorch's OpenMP regions with OpenBLAS's own pthread pool hundreds of times
// a step. By default the idle threads of each pool keep spinning (libgomp before sleeping,
// OpenBLAS for 2^28 cycles, ~0.1 s, with sched_yield) on the cores the other pool needs next.
// Letting them sleep at once, on 2 cores (the sigmoid recipe's run, resumed each time):
// ~2,500 tokens/s by default, ~3,600 with OMP_WAIT_POLICY=PASSIVE, ~4,800 with
// OPENBLAS_THREAD_TIMEOUT=4 as well. Inference holds OpenBLAS at one thread during a pass and
// does not gain, so only `train` asks for it.
namespace sinkscope::cli {

// Both libraries read their variable once, when they are loaded, so setting it from main() is
// too late: this sets OMP_WAIT_POLICY=PASSIVE and OPENBLAS_THREAD_TIMEOUT=4 where unset and, if
// it set either, re-executes the program with the same arguments. A value the user set is kept.
// Returns (the run goes on as it is) when there is nothing to set or the re-execution fails.
void reexecWithSleepingIdleThreads(char** argv);

} // namespace sinkscope::cli

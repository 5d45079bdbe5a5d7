#pragma once
// Training alternates LibTorch's OpenMP regions with OpenBLAS's own pthread pool many times a
// step. With libgomp's default waiting (spin before sleeping), the idle OpenMP threads spin on
// the cores the BLAS threads need next: on 2 cores the trainer ran at ~2,500 tokens/s with the
// default and ~3,900 with OMP_WAIT_POLICY=PASSIVE (same run, resumed). Inference (batch 1, few
// alternations) does not gain, so only `train` asks for it.
namespace sinkscope::cli {

// libgomp reads OMP_WAIT_POLICY once, when it is loaded, so setting it from main() is too late:
// if the variable is unset this sets it to PASSIVE and re-executes the program with the same
// arguments. Returns (and the run goes on unchanged) when it is already set — a user's explicit
// choice — or when the re-execution fails.
void reexecWithPassiveOpenMpWait(char** argv);

} // namespace sinkscope::cli

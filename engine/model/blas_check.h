#pragma once
// Which BLAS library LibTorch will call, and the compute thread counts. Debian's LibTorch uses
// whatever libblas.so.3 the alternatives system selects; the reference implementation is ~34x
// slower than OpenBLAS. LibTorch does not pass its thread count on to OpenBLAS, which sizes its
// own pool (OPENBLAS_NUM_THREADS, else every core).
#include <string>

namespace sinkscope {

struct BlasInfo {
    std::string library; // path of the shared object that provides sgemm_, or empty
    bool isReference = false;
    bool isOpenBlas = false;
    std::string config; // OpenBLAS's build description (version, kernel), or empty
    int threads = -1;   // OpenBLAS's thread count, or -1 when unknown
};

BlasInfo detectBlas();
// A warning to print at start-up, or empty when the BLAS is a fast one.
std::string blasWarning(const BlasInfo& info);

// Sets LibTorch's intra-op threads and, with OpenBLAS, its thread count to the same number (> 0).
void setComputeThreads(int threads);
// LibTorch's intra-op thread count.
int computeThreads();

} // namespace sinkscope

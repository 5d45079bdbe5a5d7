#pragma once
// Which BLAS library LibTorch will call. Debian's LibTorch uses whatever libblas.so.3 the
// alternatives system selects; the reference implementation is ~34x slower than OpenBLAS.
#include <string>

namespace sinkscope {

struct BlasInfo {
    std::string library; // path of the shared object that provides sgemm_, or empty
    bool isReference = false;
    bool isOpenBlas = false;
};

BlasInfo detectBlas();
// A warning to print at start-up, or empty when the BLAS is a fast one.
std::string blasWarning(const BlasInfo& info);

} // namespace sinkscope

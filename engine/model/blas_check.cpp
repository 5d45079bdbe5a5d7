#include "model/blas_check.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <fmt/format.h>

namespace sinkscope {

namespace {

template <typename Fn> Fn openblasFunction(const char* name) {
    return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

} // namespace

BlasInfo detectBlas() {
    BlasInfo info;
    void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    if (!sgemm) return info;
    Dl_info dl{};
    if (dladdr(sgemm, &dl) && dl.dli_fname) info.library = dl.dli_fname;
    info.isOpenBlas = dlsym(RTLD_DEFAULT, "openblas_get_num_threads") != nullptr;
    // The reference BLAS ships as .../blas/libblas.so.3 and exports no implementation-specific symbols.
    info.isReference = !info.isOpenBlas && dlsym(RTLD_DEFAULT, "bli_info_get_version_str") == nullptr &&
                       dlsym(RTLD_DEFAULT, "MKL_Get_Version") == nullptr &&
                       info.library.find("/blas/") != std::string::npos;
    if (info.isOpenBlas) {
        if (auto config = openblasFunction<char* (*)()>("openblas_get_config")) info.config = config();
        if (auto threads = openblasFunction<int (*)()>("openblas_get_num_threads")) info.threads = threads();
    }
    return info;
}

std::string blasWarning(const BlasInfo& info) {
    if (!info.isReference) return {};
    return fmt::format("warning: LibTorch is using the reference BLAS ({}), about 34x slower than OpenBLAS. "
                       "Install libopenblas0-pthread (scripts/setup.sh does) and select it with "
                       "update-alternatives --config libblas.so.3-x86_64-linux-gnu",
                       info.library);
}

void setComputeThreads(int threads) {
    if (threads <= 0) return;
    at::set_num_threads(threads);
    if (auto set = openblasFunction<void (*)(int)>("openblas_set_num_threads")) set(threads);
}

int computeThreads() {
    return at::get_num_threads();
}

} // namespace sinkscope

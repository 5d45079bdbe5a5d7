// The start-up BLAS check: this process must see the BLAS that LibTorch calls, and only the
// reference implementation earns a warning.
#include "model/blas_check.h"

#include <gtest/gtest.h>

using namespace sinkscope;

TEST(Blas, DetectsTheLibraryLibTorchUses) {
    const BlasInfo info = detectBlas();
    EXPECT_FALSE(info.library.empty()) << "sgemm_ not found in the process";
    // scripts/setup.sh selects OpenBLAS; a machine on the reference BLAS must get the warning.
    EXPECT_EQ(blasWarning(info).empty(), !info.isReference) << info.library;
}

TEST(Blas, WarningNamesTheLibraryAndTheFix) {
    BlasInfo ref;
    ref.library = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
    ref.isReference = true;
    const auto w = blasWarning(ref);
    EXPECT_NE(w.find("reference BLAS"), std::string::npos);
    EXPECT_NE(w.find("libopenblas0-pthread"), std::string::npos);
    EXPECT_NE(w.find(ref.library), std::string::npos);
    BlasInfo open;
    open.library = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";
    open.isOpenBlas = true;
    EXPECT_TRUE(blasWarning(open).empty());
}

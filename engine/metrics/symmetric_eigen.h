#pragma once
// Eigen-decomposition of a small dense symmetric matrix by cyclic Jacobi rotations: slow for large n
// (O(n^3) per sweep) but unconditionally stable and accurate to rounding for every eigenvalue, which
// the PCA of catch_tag_release needs for its variance shares (sizes there are at most the head size).
#include <cstdint>
#include <vector>

namespace sinkscope {

struct SymmetricEigen {
    std::vector<double> values;  // descending (ties: lower original index first)
    std::vector<double> vectors; // n x n row-major; column k is the unit eigenvector of values[k]
};

// a: n x n row-major, symmetric (only its values are read; asymmetry is not checked). n <= 0 gives an
// empty result.
SymmetricEigen symmetricEigen(std::vector<double> a, std::int64_t n);

} // namespace sinkscope

#include "metrics/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

namespace sinkscope {
namespace {

constexpr int kMaxSweeps = 100;

} // namespace

SymmetricEigen symmetricEigen(std::vector<double> a, std::int64_t n) {
    SymmetricEigen out;
    if (n <= 0) return out;
    const auto N = static_cast<std::size_t>(n);
    auto at = [N](std::vector<double>& m, std::size_t i, std::size_t j) -> double& { return m[i * N + j]; };
    std::vector<double> v(N * N, 0.0);
    for (std::size_t i = 0; i < N; ++i)
        at(v, i, i) = 1.0;

    double total = 0.0;
    for (double x : a)
        total += x * x;
    for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
        double off = 0.0;
        for (std::size_t p = 0; p < N; ++p)
            for (std::size_t q = p + 1; q < N; ++q)
                off += at(a, p, q) * at(a, p, q);
        // Off-diagonal mass at the rounding level of the whole matrix cannot shift any eigenvalue by more
        // than rounding; stopping there (rather than at exact 0) guarantees termination.
        if (!(off > 1e-32 * total)) break;
        for (std::size_t p = 0; p < N; ++p) {
            for (std::size_t q = p + 1; q < N; ++q) {
                const double apq = at(a, p, q);
                if (apq == 0.0) continue;
                // The rotation that zeroes a[p][q]: t = tan(angle) is the smaller root of
                // t^2 + 2 theta t - 1 = 0, which keeps the rotation below 45 degrees (stable).
                const double theta = (at(a, q, q) - at(a, p, p)) / (2.0 * apq);
                const double t =
                    std::abs(theta) > 1e150
                        ? 1.0 / (2.0 * theta) // theta^2 would overflow; t ~ 1/(2 theta)
                        : std::copysign(1.0, theta) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
                const double c = 1.0 / std::sqrt(t * t + 1.0);
                const double s = t * c;
                for (std::size_t k = 0; k < N; ++k) { // A <- A J (columns p, q)
                    const double akp = at(a, k, p), akq = at(a, k, q);
                    at(a, k, p) = c * akp - s * akq;
                    at(a, k, q) = s * akp + c * akq;
                }
                for (std::size_t k = 0; k < N; ++k) { // A <- J^T A (rows p, q)
                    const double apk = at(a, p, k), aqk = at(a, q, k);
                    at(a, p, k) = c * apk - s * aqk;
                    at(a, q, k) = s * apk + c * aqk;
                }
                at(a, p, q) = at(a, q, p) = 0.0;      // zero by construction; drop the rounding residue
                for (std::size_t k = 0; k < N; ++k) { // V <- V J
                    const double vkp = at(v, k, p), vkq = at(v, k, q);
                    at(v, k, p) = c * vkp - s * vkq;
                    at(v, k, q) = s * vkp + c * vkq;
                }
            }
        }
    }

    std::vector<std::size_t> order(N);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return at(a, x, x) > at(a, y, y); });
    out.values.resize(N);
    out.vectors.resize(N * N);
    for (std::size_t k = 0; k < N; ++k) {
        out.values[k] = at(a, order[k], order[k]);
        for (std::size_t i = 0; i < N; ++i)
            out.vectors[i * N + k] = at(v, i, order[k]);
    }
    return out;
}

} // namespace sinkscope

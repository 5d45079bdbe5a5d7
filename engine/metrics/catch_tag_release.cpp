#include "metrics/catch_tag_release.h"

#include "metrics/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace sinkscope {
namespace {

// Every vector here is wo * z for some z in R^hs. With W = wo^T wo = V S^2 V^T, the map z -> S V^T z gives
// the coordinates of wo * z in an orthonormal basis of range(wo) (the left singular vectors of wo), an
// isometry: norms, dot products, cosines and principal components are the same as for the D-dimensional
// outputs, at the cost of hs instead of D per vector, and the PCA becomes an eigenproblem of size at most
// hs however many tokens are caught.
struct RangeBasis {
    std::size_t hs = 0;
    std::vector<double> rows; // m x hs row-major: row k = s_k * (column k of V)^T
    std::size_t m = 0;
    double gain = 0; // the largest singular value of wo: |wo z| <= gain |z|

    // Coordinates of wo * z. The basis is exact only to rounding (about hs * eps * gain * |z|), so an
    // output below 1e-12 of the largest that z could give is wo's null space seen through that
    // rounding, and is returned as exactly 0: a direct product wo * z would have cancelled to 0 there,
    // and "||o_i|| = 0" and "||u|| = 0" must still be recognised.
    std::vector<double> coords(const std::vector<double>& z) const {
        std::vector<double> c(m, 0.0);
        double cc = 0.0, zz = 0.0;
        for (std::size_t k = 0; k < m; ++k) {
            for (std::size_t j = 0; j < hs; ++j)
                c[k] += rows[k * hs + j] * z[j];
            cc += c[k] * c[k];
        }
        for (double x : z)
            zz += x * x;
        if (std::sqrt(cc) <= 1e-12 * gain * std::sqrt(zz)) std::fill(c.begin(), c.end(), 0.0);
        return c;
    }
};

RangeBasis rangeBasis(const float* wo, std::int64_t D, std::int64_t hs) {
    RangeBasis b;
    b.hs = static_cast<std::size_t>(hs);
    std::vector<double> w(b.hs * b.hs, 0.0);
    for (std::int64_t d = 0; d < D; ++d) {
        const float* row = wo + d * hs;
        for (std::size_t i = 0; i < b.hs; ++i)
            for (std::size_t j = i; j < b.hs; ++j)
                w[i * b.hs + j] += static_cast<double>(row[i]) * static_cast<double>(row[j]);
    }
    for (std::size_t i = 0; i < b.hs; ++i)
        for (std::size_t j = 0; j < i; ++j)
            w[i * b.hs + j] = w[j * b.hs + i];
    const SymmetricEigen e = symmetricEigen(std::move(w), hs);
    // Eigenvalues of W are exact to about eps * ||W|| in absolute terms, so anything that small is the
    // solver's noise, not a direction of range(wo).
    b.gain = std::sqrt(std::max(e.values.front(), 0.0));
    const double cutoff = std::max(e.values.front(), 0.0) * static_cast<double>(hs) * 4.0 *
                          std::numeric_limits<double>::epsilon();
    for (std::size_t k = 0; k < b.hs; ++k) {
        if (!(e.values[k] > cutoff)) break; // values are descending
        const double s = std::sqrt(e.values[k]);
        for (std::size_t j = 0; j < b.hs; ++j)
            b.rows.push_back(s * e.vectors[j * b.hs + k]);
        ++b.m;
    }
    return b;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += a[i] * b[i];
    return s;
}

double norm(const std::vector<double>& a) {
    return std::sqrt(dot(a, a));
}

struct TopComponents {
    double lambda1 = 0, trace = 0;
    std::vector<double> pc1, pc2; // unit, or pc2 all zero when the points span one direction only
};

// The two leading principal directions of the centred rows x[i] (n rows of size m), from whichever of the
// Gram matrix X X^T (n x n) and the scatter matrix X^T X (m x m) is smaller: both have the same non-zero
// eigenvalues, and a Gram eigenvector e gives the direction X^T e / ||X^T e||.
TopComponents topComponents(const std::vector<std::vector<double>>& x, std::size_t m) {
    TopComponents tc;
    const std::size_t n = x.size();
    for (const auto& r : x)
        tc.trace += dot(r, r);
    std::vector<std::vector<double>> dirs;
    std::vector<double> lambdas;
    if (n <= m) {
        std::vector<double> g(n * n);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j <= i; ++j)
                g[i * n + j] = g[j * n + i] = dot(x[i], x[j]);
        const SymmetricEigen e = symmetricEigen(std::move(g), static_cast<std::int64_t>(n));
        for (std::size_t k = 0; k < std::min<std::size_t>(2, n); ++k) {
            std::vector<double> p(m, 0.0);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < m; ++j)
                    p[j] += e.vectors[i * n + k] * x[i][j];
            dirs.push_back(std::move(p));
            lambdas.push_back(e.values[k]);
        }
    } else {
        std::vector<double> c(m * m, 0.0);
        for (const auto& r : x)
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = i; j < m; ++j)
                    c[i * m + j] += r[i] * r[j];
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < i; ++j)
                c[i * m + j] = c[j * m + i];
        const SymmetricEigen e = symmetricEigen(std::move(c), static_cast<std::int64_t>(m));
        for (std::size_t k = 0; k < std::min<std::size_t>(2, m); ++k) {
            std::vector<double> p(m);
            for (std::size_t j = 0; j < m; ++j)
                p[j] = e.vectors[j * m + k];
            dirs.push_back(std::move(p));
            lambdas.push_back(e.values[k]);
        }
    }
    tc.lambda1 = lambdas.empty() ? 0.0 : lambdas[0];
    tc.pc1.assign(m, 0.0);
    tc.pc2.assign(m, 0.0);
    auto unit = [](std::vector<double>& p) {
        const double nrm = norm(p);
        if (nrm > 0.0)
            for (double& v : p)
                v /= nrm;
    };
    if (!dirs.empty()) {
        tc.pc1 = dirs[0];
        unit(tc.pc1);
    }
    // A second component below 1e-12 of the variance is the eigen-solver's rounding (e.g. perfectly
    // collinear outputs), whose direction is arbitrary: report no PC2 rather than a random one.
    if (dirs.size() > 1 && lambdas[1] > 1e-12 * tc.trace) {
        tc.pc2 = dirs[1];
        unit(tc.pc2);
    }
    return tc;
}

} // namespace

CtrScore catchTagRelease(const MatrixView& a, const float* values, std::int64_t hs, const float* wo,
                         std::int64_t D, const CtrOptions& o) {
    CtrScore out;
    const std::int64_t s = o.sink;
    if (s < 0 || s >= a.cols || hs <= 0 || D <= 0) return out;

    std::vector<std::int64_t> rows;
    for (std::int64_t r = 0; r < a.rows; ++r)
        if (a.firstRow + r > s && static_cast<double>(a.at(r, s)) >= o.theta) {
            rows.push_back(r);
            out.caughtTokens.push_back(a.firstRow + r);
        }
    out.caught = static_cast<std::int64_t>(rows.size());
    if (rows.empty()) return out;

    const auto H = static_cast<std::size_t>(hs);
    const RangeBasis basis = rangeBasis(wo, D, hs);
    auto valueRow = [&](std::int64_t j) {
        std::vector<double> z(H);
        for (std::size_t k = 0; k < H; ++k)
            z[k] = static_cast<double>(values[static_cast<std::size_t>(j) * H + k]);
        return z;
    };
    const std::vector<double> u = basis.coords(valueRow(s));
    const double uNorm = norm(u);

    // o_i in range coordinates: the head's mix of values sum_{j <= i} A[i,j] v_j, mapped through wo.
    std::vector<std::vector<double>> outputs;
    double shareSum = 0.0;
    std::size_t shareCount = 0;
    for (std::int64_t r : rows) {
        const std::int64_t i = a.firstRow + r;
        std::vector<double> z(H, 0.0);
        for (std::int64_t j = 0; j <= std::min(i, a.cols - 1); ++j) {
            const double w = a.at(r, j);
            if (w == 0.0) continue;
            const float* v = values + j * hs;
            for (std::size_t k = 0; k < H; ++k)
                z[k] += w * static_cast<double>(v[k]);
        }
        outputs.push_back(basis.coords(z));
        const double oNorm = norm(outputs.back());
        if (oNorm > 0.0) {
            const double share = static_cast<double>(a.at(r, s)) * uNorm / oNorm;
            out.tagSharePerToken.push_back(share);
            shareSum += share;
            ++shareCount;
        } else {
            out.tagSharePerToken.push_back(std::numeric_limits<double>::quiet_NaN());
        }
    }
    if (shareCount > 0) out.tagShare = shareSum / static_cast<double>(shareCount);

    out.pcProjection.assign(rows.size(), {0.0, 0.0});
    if (rows.size() < 2 || basis.m == 0) return out;

    const std::size_t n = outputs.size();
    std::vector<double> mean(basis.m, 0.0);
    double energy = 0.0;
    for (const auto& c : outputs) {
        energy += dot(c, c);
        for (std::size_t k = 0; k < basis.m; ++k)
            mean[k] += c[k];
    }
    for (double& v : mean)
        v /= static_cast<double>(n);
    std::vector<std::vector<double>> centred = outputs;
    for (auto& c : centred)
        for (std::size_t k = 0; k < basis.m; ++k)
            c[k] -= mean[k];

    TopComponents tc = topComponents(centred, basis.m);
    // Identical outputs leave only the rounding of the mean (about eps^2 * n^2 of the energy) as
    // "variance"; anything below 1e-20 of the energy (amplitudes below 1e-10 of the outputs, far under
    // float32 input precision) is treated as no variance at all.
    if (!(tc.trace > 1e-20 * energy)) return out;

    // Orient each PC so that the tag projects non-negatively on it (the sign is otherwise arbitrary).
    for (auto* p : {&tc.pc1, &tc.pc2})
        if (dot(*p, u) < 0.0)
            for (double& v : *p)
                v = -v;
    out.pc1Var = std::clamp(tc.lambda1 / tc.trace, 0.0, 1.0);
    if (uNorm > 0.0) out.pc1CosTag = std::min(std::abs(dot(tc.pc1, u)) / uNorm, 1.0);
    for (std::size_t i = 0; i < n; ++i)
        out.pcProjection[i] = {dot(centred[i], tc.pc1), dot(centred[i], tc.pc2)};
    out.tagProjection = {dot(u, tc.pc1), dot(u, tc.pc2)};
    return out;
}

} // namespace sinkscope

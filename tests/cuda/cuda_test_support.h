#pragma once
// What the GPU parity tests share: a fixture that skips without a CUDA device, device buffers,
// attention batches built on the host, and the normalized error the tolerances are stated in.
#include "cuda/attention_batch.h"

#include <cmath>
#include <cstdint>
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace sinkscope::test {

// Skips every test of the fixture when the runtime finds no device (no GPU, or no driver: the
// static runtime then reports cudaErrorInsufficientDriver or cudaErrorNoDevice).
class CudaTest : public ::testing::Test {
protected:
    void SetUp() override {
        int n = 0;
        const cudaError_t e = cudaGetDeviceCount(&n);
        if (e != cudaSuccess || n == 0)
            GTEST_SKIP() << "no CUDA device (" << (e != cudaSuccess ? cudaGetErrorString(e) : "0 devices")
                         << ")";
    }
};

#define ASSERT_CUDA(expr)                                                                                    \
    do {                                                                                                     \
        const cudaError_t status_ = (expr);                                                                  \
        ASSERT_EQ(status_, cudaSuccess) << cudaGetErrorString(status_);                                      \
    } while (0)

// A device copy of a host vector, copied back with toHost().
template <typename T> class DeviceBuffer {
public:
    explicit DeviceBuffer(const std::vector<T>& host) : m_size(host.size()) {
        EXPECT_EQ(cudaMalloc(reinterpret_cast<void**>(&m_data), bytes()), cudaSuccess);
        EXPECT_EQ(cudaMemcpy(m_data, host.data(), bytes(), cudaMemcpyHostToDevice), cudaSuccess);
    }
    ~DeviceBuffer() { cudaFree(m_data); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    T* get() const { return m_data; }
    std::vector<T> toHost() const {
        std::vector<T> out(m_size);
        EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        EXPECT_EQ(cudaMemcpy(out.data(), m_data, bytes(), cudaMemcpyDeviceToHost), cudaSuccess);
        return out;
    }

private:
    std::size_t bytes() const { return m_size * sizeof(T); }
    T* m_data = nullptr;
    std::size_t m_size = 0;
};

// The sizes of a test batch; the host copy is dense in matrixStride = rows * rowStride.
struct Shape {
    std::int64_t count, rows, cols, rowStride, firstRow;
    std::int64_t matrixStride() const { return rows * rowStride; }
    std::size_t elements() const { return static_cast<std::size_t>(count * matrixStride()); }
    cuda::AttentionBatch on(float* device) const {
        return {device, count, rows, cols, rowStride, matrixStride(), firstRow};
    }
};

// Prefill, decode steps, long rows, rows wider than the capture kernel's shared column sums.
inline std::vector<Shape> testShapes() {
    return {
        {3, 67, 67, 70, 0}, {4, 3, 203, 203, 200}, {2, 40, 3000, 3004, 2960}, {1, 2, 13000, 13000, 12998}};
}

// Attention scores with a strong sink in column 0 and a weaker one in column 3; the masked part of
// each row and the row padding hold a sentinel no kernel may read as a score or overwrite.
constexpr float kPadding = -12345.0f;
inline std::vector<float> randomScores(const Shape& s, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.5f);
    std::vector<float> out(s.elements(), kPadding);
    for (std::int64_t m = 0; m < s.count; ++m)
        for (std::int64_t r = 0; r < s.rows; ++r)
            for (std::int64_t j = 0; j < std::min(s.cols, s.firstRow + r + 1); ++j)
                out[static_cast<std::size_t>(m * s.matrixStride() + r * s.rowStride + j)] =
                    normal(rng) + (j == 0 ? 6.0f : 0.0f) + (j == 3 ? 3.0f : 0.0f);
    return out;
}

// ||got - want||_2 / ||want||_2 over the entries where want is not the padding sentinel.
inline double normalizedError(const std::vector<float>& got, const std::vector<float>& want) {
    double diff = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i] == kPadding) continue;
        const double d = static_cast<double>(got[i]) - want[i];
        diff += d * d;
        norm += static_cast<double>(want[i]) * want[i];
    }
    return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

// Entries holding the sentinel in `want` are bit-identical in `got` (nothing wrote there).
inline bool paddingUntouched(const std::vector<float>& got, const std::vector<float>& want) {
    for (std::size_t i = 0; i < want.size(); ++i)
        if (want[i] == kPadding && got[i] != kPadding) return false;
    return true;
}

} // namespace sinkscope::test

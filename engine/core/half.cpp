#include "core/half.h"

#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace sinkscope {

float f16ToF32(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: normalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ffu;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    return std::bit_cast<float>(bits);
}

float bf16ToF32(std::uint16_t b) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint16_t f32ToBf16(float f) {
    std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u); // NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}

std::uint16_t f32ToF16(float f) {
    std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
    u &= 0x7fffffffu;
    if (u > 0x7f800000u) return sign | 0x7e00u;  // NaN
    if (u >= 0x477ff000u) return sign | 0x7c00u; // overflow to inf
    if (u < 0x38800000u) {                       // subnormal or zero
        if (u < 0x33000000u) return sign;
        const std::uint32_t e = u >> 23;
        std::uint32_t m = (u & 0x7fffffu) | 0x800000u;
        const std::uint32_t shift = 126 - e;
        std::uint32_t r = m >> shift;
        const std::uint32_t rem = m & ((1u << shift) - 1);
        const std::uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1u))) ++r;
        return sign | static_cast<std::uint16_t>(r);
    }
    u += 0xfffu + ((u >> 13) & 1u);
    return sign | static_cast<std::uint16_t>((u - 0x38000000u) >> 13);
}

namespace {

void f32ToF16Portable(const float* src, std::uint16_t* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        dst[i] = f32ToF16Branchless(src[i]);
}

void f16ToF32Portable(const std::uint16_t* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        dst[i] = f16ToF32(src[i]);
}

#if defined(__x86_64__)
// GCC 12's intrinsic headers start the conversions from an "undefined" register it then warns about.
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// The F16C conversion instructions round to nearest even like f32ToF16 (float32 subnormals, the
// only inputs DAZ could touch, round to zero either way). NaNs differ (the instructions keep the
// payload): those lanes are redone by the portable code, so the result is bit for bit the same.
__attribute__((target("avx512f"))) void f32ToF16Avx512(const float* src, std::uint16_t* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_loadu_ps(src + i);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                            _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        if (_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q)) f32ToF16Portable(src + i, dst + i, 16);
    }
    f32ToF16Portable(src + i, dst + i, n - i);
}

__attribute__((target("avx,f16c"))) void f32ToF16F16c(const float* src, std::uint16_t* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(src + i);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                         _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        if (_mm256_movemask_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q))) f32ToF16Portable(src + i, dst + i, 8);
    }
    f32ToF16Portable(src + i, dst + i, n - i);
}

// Half to float is exact for every input but signalling NaNs, which the instruction quiets.
__attribute__((target("avx512f"))) void f16ToF32Avx512(const std::uint16_t* src, float* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
        _mm512_storeu_ps(dst + i, x);
        if (_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q)) f16ToF32Portable(src + i, dst + i, 16);
    }
    f16ToF32Portable(src + i, dst + i, n - i);
}

__attribute__((target("avx,f16c"))) void f16ToF32F16c(const std::uint16_t* src, float* dst, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
        _mm256_storeu_ps(dst + i, x);
        if (_mm256_movemask_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q))) f16ToF32Portable(src + i, dst + i, 8);
    }
    f16ToF32Portable(src + i, dst + i, n - i);
}
#pragma GCC diagnostic pop
#endif

#if defined(__x86_64__)
// F16C is read from CPUID leaf 1 directly: clang's __builtin_cpu_supports does not know "f16c"
// (clang 14 rejects it at compile time). "avx" covers the OS side (XSAVE of the YMM registers),
// which the F16C instructions need as well.
bool hasAvxAndF16c() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    return (ecx & bit_F16C) != 0 && __builtin_cpu_supports("avx");
}
#endif

using ToHalf = void (*)(const float*, std::uint16_t*, std::size_t);
using FromHalf = void (*)(const std::uint16_t*, float*, std::size_t);

ToHalf pickToHalf() {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return f32ToF16Avx512;
    if (hasAvxAndF16c()) return f32ToF16F16c;
#endif
    return f32ToF16Portable;
}

FromHalf pickFromHalf() {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return f16ToF32Avx512;
    if (hasAvxAndF16c()) return f16ToF32F16c;
#endif
    return f16ToF32Portable;
}

} // namespace

void f32ToF16(const float* src, std::uint16_t* dst, std::size_t n) {
    static const ToHalf convert = pickToHalf();
    convert(src, dst, n);
}

void f16ToF32(const std::uint16_t* src, float* dst, std::size_t n) {
    static const FromHalf convert = pickFromHalf();
    convert(src, dst, n);
}

void f16ToF32(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t v;
        std::memcpy(&v, src + 2 * i, 2);
        dst[i] = f16ToF32(v);
    }
}

void bf16ToF32(const std::uint8_t* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t v;
        std::memcpy(&v, src + 2 * i, 2);
        dst[i] = bf16ToF32(v);
    }
}

} // namespace sinkscope

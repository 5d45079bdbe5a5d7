#include "trace/map_codec.h"

#include "core/half.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <zstd.h>

namespace sinkscope {

namespace {

constexpr std::size_t kHeaderBytes = 64;
constexpr std::uint8_t kMagic[4] = {'S', 'S', 'M', 'P'};
constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kDTypeF16 = 1, kDTypeF32 = 2;
constexpr std::uint8_t kCodecRaw = 0, kCodecZstd = 1;
constexpr std::uint8_t kLayoutFull = 0, kLayoutCausal = 1;
// Bounds that keep every size product within int64 and refuse absurd headers early.
constexpr std::int64_t kMaxDim = std::int64_t{1} << 24;
constexpr std::int64_t kMaxFirstRow = (std::int64_t{1} << 31) - 1;
// zstd cannot expand data by more than this (an RLE block turns 4 bytes into 128 KiB); a header
// claiming more is corrupt and must not make us allocate its claim.
constexpr std::uint64_t kMaxZstdRatio = 32768;

void put32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put64(std::uint8_t* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get32(const std::uint8_t* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
    return v;
}
std::uint64_t get64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}

// The stored length of row r under the causal layout.
std::int64_t causalRowLength(std::int64_t firstRow, std::int64_t r, std::int64_t cols) {
    return std::min(cols, firstRow + r + 1);
}

// f16 -> f32 by table: branch-free and several times faster than converting bit by bit, which
// matters for the single-map load latency.
const std::array<float, 65536>& f16Table() {
    static const auto table = [] {
        auto t = std::make_unique<std::array<float, 65536>>();
        for (std::uint32_t i = 0; i < 65536; ++i)
            (*t)[i] = f16ToF32(static_cast<std::uint16_t>(i));
        return t;
    }();
    return *table;
}

struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

// Per-thread contexts and scratch: maps are encoded and decoded by the hundred, and fresh
// megabyte buffers each time cost page faults.
ZSTD_CCtx* compressContext() {
    thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
    return ctx.get();
}
ZSTD_DCtx* decompressContext() {
    thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
    return ctx.get();
}
std::vector<std::uint8_t>& scratch() {
    thread_local std::vector<std::uint8_t> buf;
    return buf;
}

// Every entry above the causal bound holds the mask value, so the triangle alone is enough.
bool upperIsMasked(const AttentionMap& m) {
    if (m.cols > m.firstRow + m.rows) return false;
    const bool scores = m.kind == MapKind::Scores;
    for (std::int64_t r = 0; r < m.rows; ++r) {
        const float* row = m.values.data() + r * m.cols;
        for (std::int64_t c = causalRowLength(m.firstRow, r, m.cols); c < m.cols; ++c) {
            const float v = row[c];
            if (scores ? !(v == -std::numeric_limits<float>::infinity()) : v != 0.0f) return false;
        }
    }
    return true;
}

// f32 -> f16 without branches, bit for bit core's f32ToF16 (the codec tests compare them over
// every rounding boundary).
inline std::uint16_t toF16(float f) {
    return f32ToF16Branchless(f);
}

// Writes the stored values of m into raw, as byte planes or interleaved little-endian values.
void gatherValues(const AttentionMap& m, bool causal, bool f32, bool planes, std::int64_t count,
                  std::uint8_t* raw) {
    const auto n = static_cast<std::size_t>(count);
    std::size_t i = 0;
    for (std::int64_t r = 0; r < m.rows; ++r) {
        const float* row = m.values.data() + r * m.cols;
        const auto len = static_cast<std::size_t>(causal ? causalRowLength(m.firstRow, r, m.cols) : m.cols);
        if (!f32 && planes) {
            std::uint8_t* lo = raw + i;
            std::uint8_t* hi = raw + n + i;
            for (std::size_t c = 0; c < len; ++c) {
                const std::uint16_t h = toF16(row[c]);
                lo[c] = static_cast<std::uint8_t>(h);
                hi[c] = static_cast<std::uint8_t>(h >> 8);
            }
        } else if (!f32) {
            std::uint8_t* out = raw + 2 * i;
            for (std::size_t c = 0; c < len; ++c) {
                const std::uint16_t h = toF16(row[c]);
                out[2 * c] = static_cast<std::uint8_t>(h);
                out[2 * c + 1] = static_cast<std::uint8_t>(h >> 8);
            }
        } else {
            for (std::size_t c = 0; c < len; ++c) {
                const auto bits = std::bit_cast<std::uint32_t>(row[c]);
                for (std::size_t b = 0; b < 4; ++b)
                    raw[planes ? b * n + i + c : 4 * (i + c) + b] =
                        static_cast<std::uint8_t>(bits >> (8 * b));
            }
        }
        i += len;
    }
}

// The inverse of gatherValues into rows x cols floats, masked entries set to fill.
void scatterValues(const std::uint8_t* raw, bool causal, bool f32, bool planes, std::int64_t count,
                   AttentionMap& m, float fill) {
    const auto n = static_cast<std::size_t>(count);
    const auto& table = f16Table();
    std::size_t i = 0;
    for (std::int64_t r = 0; r < m.rows; ++r) {
        float* row = m.values.data() + r * m.cols;
        const std::int64_t len = causal ? causalRowLength(m.firstRow, r, m.cols) : m.cols;
        if (!f32 && planes) {
            const std::uint8_t* lo = raw + i;
            const std::uint8_t* hi = raw + n + i;
            for (std::int64_t c = 0; c < len; ++c)
                row[c] = table[static_cast<std::uint32_t>(lo[c]) | (static_cast<std::uint32_t>(hi[c]) << 8)];
        } else if (!f32) {
            for (std::int64_t c = 0; c < len; ++c) {
                const std::uint8_t* p = raw + 2 * (i + static_cast<std::size_t>(c));
                row[c] = table[static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8)];
            }
        } else {
            for (std::int64_t c = 0; c < len; ++c) {
                std::uint32_t bits = 0;
                const std::size_t k = i + static_cast<std::size_t>(c);
                for (std::size_t b = 0; b < 4; ++b)
                    bits |= static_cast<std::uint32_t>(planes ? raw[b * n + k] : raw[4 * k + b]) << (8 * b);
                row[c] = std::bit_cast<float>(bits);
            }
        }
        std::fill(row + len, row + m.cols, fill);
        i += static_cast<std::size_t>(len);
    }
}

} // namespace

std::int64_t causalValueCount(std::int64_t firstRow, std::int64_t rows, std::int64_t cols) {
    if (rows <= 0 || cols <= 0) return 0;
    // Rows r < k store firstRow + r + 1 values; the rest are capped at cols.
    const std::int64_t a = firstRow + 1;
    const std::int64_t k = std::clamp<std::int64_t>(cols - a + 1, 0, rows);
    return k * a + k * (k - 1) / 2 + (rows - k) * cols;
}

std::string checkMap(const AttentionMap& m) {
    if (m.step < 0 || m.layer < 0 || m.head < 0)
        return fmt::format("negative index (step {}, layer {}, head {})", m.step, m.layer, m.head);
    if (m.rows < 0 || m.cols < 0 || m.firstRow < 0)
        return fmt::format("negative shape (firstRow {}, rows {}, cols {})", m.firstRow, m.rows, m.cols);
    if (m.rows > kMaxDim || m.cols > kMaxDim || m.firstRow > kMaxFirstRow)
        return fmt::format(
            "shape beyond the supported size (firstRow {}, rows {}, cols {}; at most 2^24 rows "
            "and columns)",
            m.firstRow, m.rows, m.cols);
    if (m.values.size() != static_cast<std::size_t>(m.rows * m.cols))
        return fmt::format("holds {} values but rows x cols = {} x {} needs {}", m.values.size(), m.rows,
                           m.cols, m.rows * m.cols);
    return {};
}

std::vector<std::uint8_t> encodeMap(const AttentionMap& m, const MapCodecOptions& options) {
    if (!checkMap(m).empty()) return {};
    const bool f32 = m.kind == MapKind::Scores || options.forceFloat32;
    const bool causal = upperIsMasked(m);
    const std::int64_t count = causal ? causalValueCount(m.firstRow, m.rows, m.cols) : m.rows * m.cols;
    const std::size_t width = f32 ? 4 : 2;
    const std::size_t rawBytes = static_cast<std::size_t>(count) * width;

    auto& raw = scratch();
    raw.resize(rawBytes);
    gatherValues(m, causal, f32, options.bytePlanes, count, raw.data());

    std::vector<std::uint8_t> out;
    std::uint8_t codec = kCodecRaw;
    ZSTD_CCtx* ctx = options.zstdLevel > 0 ? compressContext() : nullptr;
    if (ctx) {
        out.resize(kHeaderBytes + ZSTD_compressBound(rawBytes));
        ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, options.zstdLevel);
        // The frame checksum turns silent bit rot in a blob into a decode error.
        ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
        const std::size_t n =
            ZSTD_compress2(ctx, out.data() + kHeaderBytes, out.size() - kHeaderBytes, raw.data(), rawBytes);
        if (!ZSTD_isError(n)) {
            out.resize(kHeaderBytes + n);
            codec = kCodecZstd;
        }
    }
    if (codec == kCodecRaw) {
        out.resize(kHeaderBytes + rawBytes);
        if (rawBytes) std::memcpy(out.data() + kHeaderBytes, raw.data(), rawBytes);
    }

    std::uint8_t* h = out.data();
    std::memset(h, 0, kHeaderBytes);
    std::memcpy(h, kMagic, 4);
    h[4] = kFormatVersion;
    h[5] = m.kind == MapKind::Scores ? 1 : 0;
    h[6] = f32 ? kDTypeF32 : kDTypeF16;
    h[7] = codec;
    h[8] = causal ? kLayoutCausal : kLayoutFull;
    h[9] = options.bytePlanes ? 1 : 0;
    put32(h + 12, static_cast<std::uint32_t>(m.step));
    put32(h + 16, static_cast<std::uint32_t>(m.layer));
    put32(h + 20, static_cast<std::uint32_t>(m.head));
    put64(h + 24, static_cast<std::uint64_t>(m.firstRow));
    put64(h + 32, static_cast<std::uint64_t>(m.rows));
    put64(h + 40, static_cast<std::uint64_t>(m.cols));
    put64(h + 48, static_cast<std::uint64_t>(count));
    put64(h + 56, out.size() - kHeaderBytes);
    return out;
}

Result<AttentionMap> decodeMap(const std::uint8_t* data, std::size_t size) {
    auto fail = [](const std::string& what) { return Error{"map blob: " + what}; };
    if (!data || size < kHeaderBytes)
        return fail(fmt::format("truncated ({} bytes; the header alone has {})", size, kHeaderBytes));
    if (std::memcmp(data, kMagic, 4) != 0) return fail("not a SinkScope map (bad magic)");
    if (data[4] != kFormatVersion)
        return fail(
            fmt::format("format version {} is newer than this build reads ({})", data[4], kFormatVersion));
    const std::uint8_t kind = data[5], dtype = data[6], codec = data[7], layout = data[8], planes = data[9];
    if (kind > 1 || (dtype != kDTypeF16 && dtype != kDTypeF32) || codec > kCodecZstd ||
        layout > kLayoutCausal || planes > 1 || data[10] || data[11])
        return fail(fmt::format("corrupt header (kind {}, dtype {}, codec {}, layout {}, planes {})", kind,
                                dtype, codec, layout, planes));

    AttentionMap m;
    m.kind = kind ? MapKind::Scores : MapKind::Attention;
    m.step = static_cast<std::int32_t>(get32(data + 12));
    m.layer = static_cast<std::int32_t>(get32(data + 16));
    m.head = static_cast<std::int32_t>(get32(data + 20));
    const std::uint64_t firstRow = get64(data + 24), rows = get64(data + 32), cols = get64(data + 40);
    const std::uint64_t count = get64(data + 48), payload = get64(data + 56);
    if (m.step < 0 || m.layer < 0 || m.head < 0 || firstRow > static_cast<std::uint64_t>(kMaxFirstRow) ||
        rows > static_cast<std::uint64_t>(kMaxDim) || cols > static_cast<std::uint64_t>(kMaxDim))
        return fail(fmt::format("corrupt header (step {}, layer {}, head {}, firstRow {}, rows {}, cols {})",
                                m.step, m.layer, m.head, firstRow, rows, cols));
    m.firstRow = static_cast<std::int64_t>(firstRow);
    m.rows = static_cast<std::int64_t>(rows);
    m.cols = static_cast<std::int64_t>(cols);
    const bool causal = layout == kLayoutCausal;
    if (causal && m.cols > m.firstRow + m.rows)
        return fail(fmt::format("corrupt header (causal layout with {} columns past the last query {})",
                                m.cols, m.firstRow + m.rows - 1));
    const std::int64_t expected = causal ? causalValueCount(m.firstRow, m.rows, m.cols) : m.rows * m.cols;
    if (count != static_cast<std::uint64_t>(expected))
        return fail(fmt::format("corrupt header ({} stored values, the shape needs {})", count, expected));
    if (payload != size - kHeaderBytes)
        return fail(fmt::format("truncated (the header announces {} payload bytes, the blob holds {})",
                                payload, size - kHeaderBytes));
    const bool f32 = dtype == kDTypeF32;
    const std::uint64_t rawBytes = count * (f32 ? 4u : 2u);
    const std::uint8_t* body = data + kHeaderBytes;

    try {
        const std::uint8_t* raw = body;
        if (codec == kCodecRaw) {
            if (payload != rawBytes)
                return fail(
                    fmt::format("truncated ({} payload bytes, the shape needs {})", payload, rawBytes));
        } else {
            if (rawBytes > (payload + 64) * kMaxZstdRatio)
                return fail(
                    fmt::format("corrupt header ({} values from {} compressed bytes)", count, payload));
            const auto content = ZSTD_getFrameContentSize(body, payload);
            if (content != rawBytes)
                return fail(content == ZSTD_CONTENTSIZE_ERROR
                                ? std::string("corrupt payload (not a zstd frame)")
                                : fmt::format("corrupt payload (frame holds {} bytes, the shape needs {})",
                                              content == ZSTD_CONTENTSIZE_UNKNOWN ? 0 : content, rawBytes));
            ZSTD_DCtx* ctx = decompressContext();
            if (!ctx) return fail("out of memory for the zstd context");
            auto& buf = scratch();
            buf.resize(static_cast<std::size_t>(rawBytes));
            const std::size_t n = ZSTD_decompressDCtx(ctx, buf.data(), buf.size(), body, payload);
            if (ZSTD_isError(n)) return fail(fmt::format("corrupt payload (zstd: {})", ZSTD_getErrorName(n)));
            if (n != rawBytes)
                return fail(
                    fmt::format("corrupt payload (decoded {} bytes, the shape needs {})", n, rawBytes));
            raw = buf.data();
        }
        m.values.resize(static_cast<std::size_t>(m.rows * m.cols));
        const float fill = m.kind == MapKind::Scores ? -std::numeric_limits<float>::infinity() : 0.0f;
        scatterValues(raw, causal, f32, planes != 0, expected, m, fill);
    } catch (const std::bad_alloc&) {
        return fail(fmt::format("out of memory for {} x {} values", m.rows, m.cols));
    } catch (const std::length_error&) {
        return fail(fmt::format("out of memory for {} x {} values", m.rows, m.cols));
    }
    return m;
}

} // namespace sinkscope

// The blobs of a trace file, which a user may receive from anyone: the first byte picks the
// decoder (attention/score map, ids, strings, top-k, floats, doubles), the rest is
// the blob. What decodes must encode back to the same thing: a map bit for bit (NaN payloads
// aside) when re-encoded as float32, the packed arrays byte for byte.
#include "fuzz_support.h"
#include "targets.h"
#include "trace/map_codec.h"
#include "trace/trace_blobs.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sinkscope::fuzz {

namespace {

[[noreturn]] void mismatch(const char* what) {
    std::fprintf(stderr, "%s does not survive a decode/encode round trip\n", what);
    std::abort();
}

std::uint64_t le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

Outcome roundTripMap(const std::uint8_t* data, std::size_t size) {
    // A header of up to 2^24 rows and no columns (or the reverse) decodes in a loop over empty
    // rows: bounded (under 0.1 s in a release build) but seconds under the sanitizers, which would
    // starve the fuzzer. Such maps are skipped; any other shape is decoded.
    if (size >= 48) {
        const std::uint64_t rows = le64(data + 32), cols = le64(data + 40);
        if ((rows == 0 || cols == 0) && rows + cols > 4096) return std::nullopt;
    }
    auto map = decodeMap(data, size);
    if (!map) return map.error().message;
    MapCodecOptions exact;
    exact.forceFloat32 = true;
    const auto blob = encodeMap(*map, exact);
    if (blob.empty()) mismatch("a decoded map (encodeMap refuses it)");
    auto back = decodeMap(blob.data(), blob.size());
    if (!back) mismatch("a decoded map (its encoding does not decode)");
    const AttentionMap &a = *map, &b = *back;
    if (a.step != b.step || a.layer != b.layer || a.head != b.head || a.kind != b.kind ||
        a.firstRow != b.firstRow || a.rows != b.rows || a.cols != b.cols ||
        a.values.size() != b.values.size())
        mismatch("a decoded map's header");
    for (std::size_t i = 0; i < a.values.size(); ++i) {
        const bool bothNan = std::isnan(a.values[i]) && std::isnan(b.values[i]);
        if (!bothNan &&
            std::bit_cast<std::uint32_t>(a.values[i]) != std::bit_cast<std::uint32_t>(b.values[i]))
            mismatch("a decoded map's values");
    }
    return std::nullopt;
}

template <typename T, typename Unpack, typename Pack>
Outcome roundTrip(trace::Bytes in, Unpack unpack, Pack pack, const char* what) {
    T out;
    if (!unpack(in, out)) return std::string(what) + " does not unpack";
    // An empty top-k blob stands for "no generation recorded" and packs as zero steps.
    const auto again = pack(out);
    if (!in.empty() && !std::equal(in.begin(), in.end(), again.begin(), again.end())) mismatch(what);
    return std::nullopt;
}

} // namespace

Outcome traceBlob(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return std::nullopt;
    const trace::Bytes in(data + 1, size - 1);
    switch (data[0] % 6) {
    case 0:
        return roundTripMap(in.data(), in.size());
    case 1:
        return roundTrip<std::vector<std::int32_t>>(in, trace::unpackIds, trace::packIds, "an ids blob");
    case 2:
        return roundTrip<std::vector<std::string>>(in, trace::unpackStrings, trace::packStrings,
                                                   "a strings blob");
    case 3:
        return roundTrip<std::vector<std::vector<RankedEntry>>>(in, trace::unpackTopK, trace::packTopK,
                                                                "a top-k blob");
    case 4:
        return roundTrip<std::vector<float>>(in, trace::unpackFloats, trace::packFloats, "a floats blob");
    default:
        return roundTrip<std::vector<double>>(in, trace::unpackDoubles, trace::packDoubles, "a doubles blob");
    }
}

} // namespace sinkscope::fuzz

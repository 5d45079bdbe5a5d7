// Trace store throughput: writes a run of synthetic softmax attention (random logits, causal
// softmax rows, a first-token sink of varying strength per head) and reads it back. Prints the
// codec's bytes per stored weight, write and read throughput and the single-head load latency.
// Baselines in the same run: the same causal float32 values written to a plain file (one write
// per map, one fdatasync at the end) and one head read back from it (pread, expanded to a dense
// matrix as loadMap returns it). Last, the time to open the file again to write (which reads
// every page: quick_check) and to read.
//   bench_trace [--tokens 1024] [--layers 12] [--heads 12] [--samples 100] [--file PATH] [--json]
#include "bench_timing.h"
#include "trace/map_codec.h"
#include "trace/trace_store.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <random>
#include <unistd.h>

using namespace sinkscope;
using sinkscope::bench::percentile;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// One head's prompt-pass attention. Logit spread and sink strength vary by head as in trained
// models (some heads sharp, some diffuse, most with a strong sink on token 0).
AttentionMap syntheticAttention(int layer, int head, std::int64_t T) {
    AttentionMap m;
    m.layer = layer;
    m.head = head;
    m.rows = T;
    m.cols = T;
    m.values.assign(static_cast<std::size_t>(T * T), 0.0f);
    std::mt19937 rng(static_cast<std::uint32_t>(layer * 1000 + head));
    const float spread = 1.0f + 0.25f * static_cast<float>((layer * 7 + head * 3) % 9);
    const float sink = static_cast<float>((layer * 5 + head) % 10);
    std::normal_distribution<float> logit(0.0f, spread);
    std::vector<float> row(static_cast<std::size_t>(T));
    for (std::int64_t r = 0; r < T; ++r) {
        float mx = -1e30f;
        for (std::int64_t c = 0; c <= r; ++c) {
            row[static_cast<std::size_t>(c)] = logit(rng) + (c == 0 ? sink : 0.0f);
            mx = std::max(mx, row[static_cast<std::size_t>(c)]);
        }
        double sum = 0;
        for (std::int64_t c = 0; c <= r; ++c) {
            row[static_cast<std::size_t>(c)] = std::exp(row[static_cast<std::size_t>(c)] - mx);
            sum += row[static_cast<std::size_t>(c)];
        }
        for (std::int64_t c = 0; c <= r; ++c)
            m.values[static_cast<std::size_t>(r * T + c)] =
                static_cast<float>(row[static_cast<std::size_t>(c)] / sum);
    }
    return m;
}

void codecTable(const std::vector<AttentionMap>& sample) {
    struct Variant {
        const char* name;
        MapCodecOptions options;
    };
    const Variant variants[] = {{"fp16 raw (no zstd)", {.zstdLevel = 0}},
                                {"fp16 zstd-1 planes (default)", {.zstdLevel = 1}},
                                {"fp16 zstd-1 interleaved", {.zstdLevel = 1, .bytePlanes = false}},
                                {"fp16 zstd-3 planes", {.zstdLevel = 3}},
                                {"fp16 zstd-9 planes", {.zstdLevel = 9}},
                                {"fp32 zstd-1 planes (exact)", {.zstdLevel = 1, .forceFloat32 = true}}};
    std::int64_t stored = 0;
    for (const auto& m : sample)
        stored += causalValueCount(m.firstRow, m.rows, m.cols);
    fmt::print("codec variants over {} maps ({} stored weights):\n", sample.size(), stored);
    fmt::print("  {:<30} {:>10} {:>12} {:>12}\n", "variant", "B/weight", "encode ms", "decode ms");
    for (const auto& v : variants) {
        std::size_t bytes = 0;
        double enc = 0, dec = 0;
        for (const auto& m : sample) {
            auto t0 = Clock::now();
            const auto blob = encodeMap(m, v.options);
            enc += msSince(t0);
            bytes += blob.size();
            t0 = Clock::now();
            auto back = decodeMap(blob.data(), blob.size());
            dec += msSince(t0);
            if (!back) fmt::print("  decode failed: {}\n", back.error().message);
        }
        const auto n = static_cast<double>(sample.size());
        fmt::print("  {:<30} {:>10.3f} {:>12.2f} {:>12.2f}\n", v.name,
                   static_cast<double>(bytes) / static_cast<double>(stored), enc / n, dec / n);
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Trace store throughput and latency"};
    std::int64_t tokens = 1024;
    int layers = 12, heads = 12, samples = 100;
    std::string file;
    bool asJson = false;
    app.add_option("--tokens", tokens, "prompt length");
    app.add_flag("--json", asJson, "print the figures as one JSON object instead");
    app.add_option("--layers", layers);
    app.add_option("--heads", heads);
    app.add_option("--samples", samples, "single-head loads timed for the latency figures");
    app.add_option("--file", file, "trace file to write (default: a temporary file, removed)");
    CLI11_PARSE(app, argc, argv);

    const bool temporary = file.empty();
    if (temporary)
        file = (std::filesystem::temp_directory_path() / fmt::format("bench_trace_{}.sqlite", getpid()))
                   .string();
    auto opened = TraceStore::open(file);
    if (!opened) {
        fmt::print(stderr, "{}\n", opened.error().message);
        return 1;
    }
    auto& store = **opened;
    // In JSON mode the human-readable lines go to stderr.
    FILE* text = asJson ? stderr : stdout;
    fmt::print(text, "run: {} layers x {} heads x {} tokens, file {}\n", layers, heads, tokens, file);
    const std::string rawFile = file + ".raw";
    const int raw = ::open(rawFile.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (raw < 0) {
        fmt::print(stderr, "cannot create {}\n", rawFile);
        return 1;
    }
    std::vector<float> triangle;
    double rawWriteMs = 0;

    // Maps are generated outside the timed region, one at a time (a whole run of float32 maps
    // would need layers x heads x tokens^2 x 4 bytes of memory).
    RunRecord run;
    run.label = "bench";
    run.layers = layers;
    run.heads = heads;
    run.model.path = "synthetic";
    for (std::int64_t t = 0; t < tokens; ++t) {
        run.tokenIds.push_back(static_cast<std::int32_t>(t));
        run.tokens.push_back(fmt::format("t{}", t));
    }
    auto writer = store.beginRun(run);
    if (!writer) {
        fmt::print(stderr, "{}\n", writer.error().message);
        return 1;
    }
    std::vector<AttentionMap> sample; // a few maps kept for the codec table
    double encodeMs = 0, addMs = 0;
    std::size_t blobBytes = 0;
    std::int64_t stored = 0;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h) {
            auto m = syntheticAttention(l, h, tokens);
            auto t0 = Clock::now();
            blobBytes += encodeMap(m).size(); // the codec alone, for the split below
            encodeMs += msSince(t0);
            t0 = Clock::now();
            if (auto s = (*writer)->add(m); !s) {
                fmt::print(stderr, "{}\n", s.error().message);
                return 1;
            }
            addMs += msSince(t0);
            stored += causalValueCount(0, tokens, tokens);
            triangle.clear(); // the baseline: the same values, raw
            for (std::int64_t r = 0; r < tokens; ++r)
                triangle.insert(triangle.end(), m.values.begin() + r * tokens,
                                m.values.begin() + r * tokens + r + 1);
            t0 = Clock::now();
            const auto bytes = static_cast<ssize_t>(triangle.size() * sizeof(float));
            if (::write(raw, triangle.data(), static_cast<std::size_t>(bytes)) != bytes) {
                fmt::print(stderr, "short write to {}\n", rawFile);
                return 1;
            }
            rawWriteMs += msSince(t0);
            if ((l * heads + h) % 29 == 0) sample.push_back(std::move(m));
        }
    auto t0 = Clock::now();
    ::fdatasync(raw);
    rawWriteMs += msSince(t0);
    t0 = Clock::now();
    auto id = (*writer)->commit();
    const double commitMs = msSince(t0);
    if (!id) {
        fmt::print(stderr, "{}\n", id.error().message);
        return 1;
    }
    writer->reset();
    const double writeMs = addMs + commitMs;
    const double rawMB = static_cast<double>(stored) * 4 / 1e6; // float32 triangle handed to the store
    const double fileMB = static_cast<double>(std::filesystem::file_size(file)) / 1e6;
    fmt::print(text, "\nwrite\n");
    fmt::print(text, "  stored weights        {} ({} maps, causal triangle only)\n", stored, layers * heads);
    fmt::print(text, "  blob bytes            {:.1f} MB = {:.3f} bytes per stored weight\n",
               static_cast<double>(blobBytes) / 1e6,
               static_cast<double>(blobBytes) / static_cast<double>(stored));
    fmt::print(text, "  file size             {:.1f} MB (after the commit's checkpoint)\n", fileMB);
    fmt::print(text,
               "  write run             {:.0f} ms = {:.0f} MB/s of float32 weights, {:.1f} M weights/s\n",
               writeMs, rawMB / (writeMs / 1e3), static_cast<double>(stored) / 1e3 / writeMs);
    fmt::print(text, "    of which encode     {:.0f} ms ({:.2f} ms per map), commit {:.0f} ms\n", encodeMs,
               encodeMs / (layers * heads), commitMs);

    // Sequential read of every map.
    t0 = Clock::now();
    double checksum = 0;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h) {
            auto m = store.loadMap(*id, 0, l, h);
            if (!m) {
                fmt::print(stderr, "{}\n", m.error().message);
                return 1;
            }
            checksum += m->values[static_cast<std::size_t>(tokens * tokens - 1)];
        }
    const double readMs = msSince(t0);
    fmt::print(text, "\nread\n");
    fmt::print(text,
               "  all maps              {:.0f} ms = {:.0f} MB/s of float32 weights, {:.2f} ms per map\n",
               readMs, rawMB / (readMs / 1e3), readMs / (layers * heads));

    // Single-head latency: random heads, as a user clicking through the grid.
    std::mt19937 rng(1);
    std::vector<double> latency, rawLatency;
    const std::int64_t mapFloats = causalValueCount(0, tokens, tokens);
    std::vector<float> rawTriangle(static_cast<std::size_t>(mapFloats));
    for (int i = 0; i < samples; ++i) {
        const int l = static_cast<int>(rng() % static_cast<unsigned>(layers));
        const int h = static_cast<int>(rng() % static_cast<unsigned>(heads));
        t0 = Clock::now();
        auto m = store.loadMap(*id, 0, l, h);
        latency.push_back(msSince(t0));
        checksum += m ? m->values[0] : 0.0f;
        // The baseline: the same head from the raw file, expanded to a dense matrix.
        t0 = Clock::now();
        const auto bytes = static_cast<ssize_t>(mapFloats * 4);
        const auto offset = static_cast<off_t>((static_cast<std::int64_t>(l) * heads + h) * bytes);
        if (::pread(raw, rawTriangle.data(), static_cast<std::size_t>(bytes), offset) != bytes) {
            fmt::print(stderr, "short read from {}\n", rawFile);
            return 1;
        }
        std::vector<float> dense(static_cast<std::size_t>(tokens * tokens), 0.0f);
        for (std::int64_t r = 0, at = 0; r < tokens; at += r + 1, ++r)
            std::copy_n(rawTriangle.begin() + at, r + 1, dense.begin() + r * tokens);
        rawLatency.push_back(msSince(t0));
        checksum += dense[static_cast<std::size_t>(tokens - 1)];
    }
    ::close(raw);
    fmt::print(text, "  one head ({} loads)  median {:.2f} ms, p90 {:.2f} ms, max {:.2f} ms ({}x{} floats)\n",
               samples, percentile(latency, 0.5), percentile(latency, 0.9), percentile(latency, 1.0), tokens,
               tokens);
    auto listed = store.listRuns();
    t0 = Clock::now();
    auto rec = store.loadRun(*id);
    fmt::print(text, "  run record            {:.2f} ms (tokens and metrics, no tensors)\n", msSince(t0));

    checksum += (listed ? static_cast<double>(listed->size()) : 0) +
                (rec ? static_cast<double>(rec->tokenIds.size()) : 0);

    // Opening to write reads every page (quick_check) before a caller computes what to add;
    // from the page cache here (the run was just written and read).
    opened->reset();
    t0 = Clock::now();
    auto reopened = TraceStore::open(file, false);
    const double openWriteMs = msSince(t0);
    if (!reopened) {
        fmt::print(stderr, "{}\n", reopened.error().message);
        return 1;
    }
    reopened->reset();
    t0 = Clock::now();
    auto reader = TraceStore::openReadOnly(file);
    const double openReadMs = msSince(t0);
    if (!reader) {
        fmt::print(stderr, "{}\n", reader.error().message);
        return 1;
    }
    reader->reset();
    fmt::print(text, "\nopen\n");
    fmt::print(text, "  to write (quick_check) {:.0f} ms = {:.0f} ms per GB of file\n", openWriteMs,
               openWriteMs / (fileMB / 1e3));
    fmt::print(text, "  to read                {:.1f} ms\n", openReadMs);
    if (asJson) {
        fmt::print("{}\n", nlohmann::json{{"layers", layers},
                                          {"heads", heads},
                                          {"tokens", tokens},
                                          {"stored_weights", stored},
                                          {"bytes_per_weight",
                                           static_cast<double>(blobBytes) / static_cast<double>(stored)},
                                          {"file_mb", fileMB},
                                          {"write_ms", writeMs},
                                          {"encode_ms", encodeMs},
                                          {"commit_ms", commitMs},
                                          {"raw_write_ms", rawWriteMs},
                                          {"read_all_ms", readMs},
                                          {"head_median_ms", percentile(latency, 0.5)},
                                          {"head_p90_ms", percentile(latency, 0.9)},
                                          {"raw_head_median_ms", percentile(rawLatency, 0.5)},
                                          {"open_write_ms", openWriteMs},
                                          {"open_read_ms", openReadMs},
                                          {"checksum", checksum}}
                               .dump());
    } else {
        fmt::print("  same head, raw file  median {:.2f} ms (pread + dense expansion)\n",
                   percentile(rawLatency, 0.5));
        fmt::print("  write, raw file       {:.0f} ms (write per map + fdatasync)\n", rawWriteMs);
        fmt::print("\n");
        codecTable(sample);
        fmt::print("\n(checksum {:.3f})\n", checksum);
    }
    std::error_code ignored;
    std::filesystem::remove(rawFile, ignored);
    if (temporary) {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(file + suffix, ec);
    }
    return 0;
}

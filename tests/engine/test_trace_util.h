#pragma once
// Shared by the trace store tests: synthetic runs and maps, fp16 rounding, raw SQL on a file.
#include "core/half.h"
#include "sqlite_exec.h"
#include "trace/trace_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <sqlite3.h>
#include <string>
#include <vector>

namespace sinkscope::test {

inline float roundF16(float x) {
    return f16ToF32(f32ToF16(x));
}

// Causal softmax rows of random logits with a strong first-token sink: the shape and
// compressibility of real attention.
inline AttentionMap syntheticMap(int step, int layer, int head, std::int64_t firstRow, std::int64_t rows,
                                 std::int64_t cols, std::uint32_t seed, MapKind kind = MapKind::Attention) {
    AttentionMap m;
    m.step = step;
    m.layer = layer;
    m.head = head;
    m.kind = kind;
    m.firstRow = firstRow;
    m.rows = rows;
    m.cols = cols;
    m.values.assign(static_cast<std::size_t>(rows * cols), 0.0f);
    std::mt19937 rng(seed);
    std::normal_distribution<float> logit(0.0f, 1.5f);
    const float ninf = -std::numeric_limits<float>::infinity();
    for (std::int64_t r = 0; r < rows; ++r) {
        float* row = m.values.data() + r * cols;
        const std::int64_t n = std::min(cols, firstRow + r + 1);
        float mx = ninf;
        for (std::int64_t c = 0; c < n; ++c) {
            row[c] = logit(rng) + (c == 0 ? 6.0f : 0.0f);
            mx = std::max(mx, row[c]);
        }
        if (kind == MapKind::Scores) {
            for (std::int64_t c = n; c < cols; ++c)
                row[c] = ninf;
            continue;
        }
        double sum = 0;
        for (std::int64_t c = 0; c < n; ++c) {
            row[c] = std::exp(row[c] - mx);
            sum += row[c];
        }
        for (std::int64_t c = 0; c < n; ++c)
            row[c] = static_cast<float>(row[c] / sum);
    }
    return m;
}

// The values a map reads back as: fp16-rounded attention, exact scores.
inline std::vector<float> storedValues(const AttentionMap& m) {
    std::vector<float> v = m.values;
    if (m.kind == MapKind::Attention)
        for (auto& x : v)
            x = roundF16(x);
    return v;
}

// Bitwise equality (NaN == NaN, -0 != +0).
inline bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

inline NormSeries normSeries(NormKind kind, int layer, int head, std::int64_t first, std::size_t n,
                             float base) {
    NormSeries s;
    s.kind = kind;
    s.layer = layer;
    s.head = head;
    s.firstToken = first;
    for (std::size_t i = 0; i < n; ++i)
        s.values.push_back(base + 0.25f * static_cast<float>(i));
    return s;
}

// A run with every field set, token strings holding bytes that are not UTF-8.
inline RunRecord sampleRun(const std::string& label = "base") {
    RunRecord r;
    r.label = label;
    r.model = {"/models/tiny llama", "llama", "sha256:0123abcd", 260000};
    r.tokenIds = {1, 400, 17, 0, -1};
    r.tokens = {"<s>", "\xe2\x96\x81Once", std::string("\x00\xff", 2), "", "\xc3"};
    r.promptText = "Once upon a time";
    r.interventions = {"zerotune:gamma=4,layers=2-5,heads=0|3", "sinklogit:b=-inf"};
    r.settingsJson = R"({"temperature":0.8,"top_k":40,"seed":7,"device":"cpu"})";
    r.topK = {{{5, 0.625, "x"}, {9, 0.125, std::string("\x00", 1)}}, {}, {{-3, 1e-300, "\xff"}}};
    r.generatedIds = {5, 2};
    r.generatedText = std::string("x\x00\xe2\x96", 4);
    r.metricsJson = R"({"alpha0":[[0.9,0.1],[0.5,0.5]]})";
    r.layers = 2;
    r.heads = 2;
    return r;
}

inline void expectSameRun(const RunRecord& a, const RunRecord& b) {
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.model.path, b.model.path);
    EXPECT_EQ(a.model.architecture, b.model.architecture);
    EXPECT_EQ(a.model.configHash, b.model.configHash);
    EXPECT_EQ(a.model.parameters, b.model.parameters);
    EXPECT_EQ(a.tokenIds, b.tokenIds);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.promptText, b.promptText);
    EXPECT_EQ(a.interventions, b.interventions);
    EXPECT_EQ(a.settingsJson, b.settingsJson);
    ASSERT_EQ(a.topK.size(), b.topK.size());
    for (std::size_t s = 0; s < a.topK.size(); ++s) {
        ASSERT_EQ(a.topK[s].size(), b.topK[s].size()) << "step " << s;
        for (std::size_t i = 0; i < a.topK[s].size(); ++i) {
            EXPECT_EQ(a.topK[s][i].id, b.topK[s][i].id);
            EXPECT_EQ(a.topK[s][i].prob, b.topK[s][i].prob);
            EXPECT_EQ(a.topK[s][i].text, b.topK[s][i].text);
        }
    }
    EXPECT_EQ(a.generatedIds, b.generatedIds);
    EXPECT_EQ(a.generatedText, b.generatedText);
    EXPECT_EQ(a.metricsJson, b.metricsJson);
    EXPECT_EQ(a.layers, b.layers);
    EXPECT_EQ(a.heads, b.heads);
}

// The first column of every row of a query, as text.
inline std::vector<std::string> querySql(const std::string& path, const std::string& sql) {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW) {
                std::string row;
                for (int c = 0; c < sqlite3_column_count(st); ++c) {
                    const auto* t = sqlite3_column_text(st, c);
                    row += (c ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
                }
                out.push_back(row);
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

} // namespace sinkscope::test

#pragma once
// GgufBuilder: writes GGUF bytes for the tests, valid by default, with every field open to being
// bent into a broken variant (counts, offsets, types, versions). microLlama() is a complete
// one-layer llama model small enough to truncate at every byte.
#include "io/gguf_format.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sinkscope::test {

template <typename T> void appendLe(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}

inline void appendString(std::string& out, const std::string& s) {
    appendLe<std::uint64_t>(out, s.size());
    out += s;
}

class GgufBuilder {
public:
    struct Tensor {
        std::string name;
        std::vector<std::uint64_t> dims;
        std::uint32_t type = 0;
        std::string data;
        std::optional<std::uint64_t> offset; // default: packed in order, aligned
    };

    std::uint32_t version = 3;
    std::uint64_t alignment = kGgufDefaultAlignment; // used for layout; general.alignment is a key
    std::optional<std::uint64_t> tensorCount;        // overrides the real counts in the header
    std::optional<std::uint64_t> kvCount;
    std::vector<std::pair<std::string, std::string>> kvs; // key, encoded type + value
    std::vector<Tensor> tensors;

    // A key with an already encoded type and value.
    GgufBuilder& raw(const std::string& key, GgufValueType type, const std::string& value) {
        std::string v;
        appendLe<std::uint32_t>(v, static_cast<std::uint32_t>(type));
        kvs.emplace_back(key, v + value);
        return *this;
    }
    template <typename T> GgufBuilder& scalar(const std::string& key, GgufValueType type, T value) {
        std::string v;
        appendLe<T>(v, value);
        return raw(key, type, v);
    }
    GgufBuilder& u32(const std::string& key, std::uint32_t v) { return scalar(key, GgufValueType::U32, v); }
    GgufBuilder& f32(const std::string& key, float v) { return scalar(key, GgufValueType::F32, v); }
    GgufBuilder& boolean(const std::string& key, bool v) {
        return scalar<std::uint8_t>(key, GgufValueType::Bool, v ? 1 : 0);
    }
    GgufBuilder& str(const std::string& key, const std::string& s) {
        std::string v;
        appendString(v, s);
        return raw(key, GgufValueType::String, v);
    }
    GgufBuilder& strings(const std::string& key, const std::vector<std::string>& items) {
        std::string v;
        appendLe<std::uint32_t>(v, static_cast<std::uint32_t>(GgufValueType::String));
        appendLe<std::uint64_t>(v, items.size());
        for (const auto& s : items)
            appendString(v, s);
        return raw(key, GgufValueType::Array, v);
    }
    template <typename T>
    GgufBuilder& numbers(const std::string& key, GgufValueType element, const std::vector<T>& items) {
        std::string v;
        appendLe<std::uint32_t>(v, static_cast<std::uint32_t>(element));
        appendLe<std::uint64_t>(v, items.size());
        for (const T& x : items)
            appendLe<T>(v, x);
        return raw(key, GgufValueType::Array, v);
    }
    GgufBuilder& remove(const std::string& key) {
        std::erase_if(kvs, [&](const auto& kv) { return kv.first == key; });
        return *this;
    }
    GgufBuilder& tensor(const std::string& name, std::vector<std::uint64_t> dims, GgmlType type,
                        std::string data) {
        tensors.push_back(
            {name, std::move(dims), static_cast<std::uint32_t>(type), std::move(data), std::nullopt});
        return *this;
    }
    Tensor* findTensor(const std::string& name) {
        for (auto& t : tensors)
            if (t.name == name) return &t;
        return nullptr;
    }
    GgufBuilder& removeTensor(const std::string& name) {
        std::erase_if(tensors, [&](const Tensor& t) { return t.name == name; });
        return *this;
    }

    std::string bytes() const {
        std::string out = "GGUF";
        appendLe<std::uint32_t>(out, version);
        appendLe<std::uint64_t>(out, tensorCount.value_or(tensors.size()));
        appendLe<std::uint64_t>(out, kvCount.value_or(kvs.size()));
        for (const auto& [key, value] : kvs) {
            appendString(out, key);
            out += value;
        }
        std::vector<std::uint64_t> offsets;
        std::uint64_t next = 0;
        for (const auto& t : tensors) {
            const std::uint64_t offset = t.offset.value_or(next);
            offsets.push_back(offset);
            if (offset <= kMaxWrittenOffset) next = std::max(next, pad(offset + t.data.size()));
            appendString(out, t.name);
            appendLe<std::uint32_t>(out, static_cast<std::uint32_t>(t.dims.size()));
            for (auto d : t.dims)
                appendLe<std::uint64_t>(out, d);
            appendLe<std::uint32_t>(out, t.type);
            appendLe<std::uint64_t>(out, offset);
        }
        if (tensors.empty()) return out;
        out.resize(pad(out.size()), '\0');
        const std::size_t dataStart = out.size();
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            // Offsets far out (tests of out-of-file offsets) are written into the info only.
            if (offsets[i] > kMaxWrittenOffset) continue;
            const std::size_t at = dataStart + offsets[i];
            if (out.size() < at + tensors[i].data.size()) out.resize(at + tensors[i].data.size(), '\0');
            std::memcpy(out.data() + at, tensors[i].data.data(), tensors[i].data.size());
        }
        return out;
    }

private:
    static constexpr std::uint64_t kMaxWrittenOffset = 1u << 24;
    std::uint64_t pad(std::uint64_t n) const { return (n + alignment - 1) / alignment * alignment; }
};

// float32 values as little-endian bytes.
inline std::string f32Bytes(const std::vector<float>& v) {
    std::string out;
    for (float x : v)
        appendLe<float>(out, x);
    return out;
}

// A deterministic F32 tensor of n elements (small distinct values).
inline std::string patternF32(std::size_t n, float scale = 0.01F) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = scale * static_cast<float>(static_cast<int>(i % 17) - 8);
    return f32Bytes(v);
}

// One layer, d 8, 2 heads of 4 (1 kv head), ff 8, vocab 4, untied, F32, with a SentencePiece
// vocabulary <unk> <s> </s> ▁.
inline GgufBuilder microLlama() {
    GgufBuilder b;
    b.str("general.architecture", "llama");
    b.u32("llama.context_length", 16);
    b.u32("llama.embedding_length", 8);
    b.u32("llama.block_count", 1);
    b.u32("llama.feed_forward_length", 8);
    b.u32("llama.attention.head_count", 2);
    b.u32("llama.attention.head_count_kv", 1);
    b.f32("llama.attention.layer_norm_rms_epsilon", 1e-5F);
    b.f32("llama.rope.freq_base", 10000.0F);
    b.str("tokenizer.ggml.model", "llama");
    b.strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xe2\x96\x81"});
    b.numbers<float>("tokenizer.ggml.scores", GgufValueType::F32, {0, 0, 0, -1});
    b.numbers<std::int32_t>("tokenizer.ggml.token_type", GgufValueType::I32, {2, 3, 3, 1});
    b.tensor("token_embd.weight", {8, 4}, GgmlType::F32, patternF32(32));
    b.tensor("blk.0.attn_norm.weight", {8}, GgmlType::F32, patternF32(8, 0.1F));
    b.tensor("blk.0.attn_q.weight", {8, 8}, GgmlType::F32, patternF32(64));
    b.tensor("blk.0.attn_k.weight", {8, 4}, GgmlType::F32, patternF32(32));
    b.tensor("blk.0.attn_v.weight", {8, 4}, GgmlType::F32, patternF32(32));
    b.tensor("blk.0.attn_output.weight", {8, 8}, GgmlType::F32, patternF32(64));
    b.tensor("blk.0.ffn_norm.weight", {8}, GgmlType::F32, patternF32(8, 0.1F));
    b.tensor("blk.0.ffn_gate.weight", {8, 8}, GgmlType::F32, patternF32(64));
    b.tensor("blk.0.ffn_up.weight", {8, 8}, GgmlType::F32, patternF32(64));
    b.tensor("blk.0.ffn_down.weight", {8, 8}, GgmlType::F32, patternF32(64));
    b.tensor("output_norm.weight", {8}, GgmlType::F32, patternF32(8, 0.1F));
    b.tensor("output.weight", {8, 4}, GgmlType::F32, patternF32(32));
    return b;
}

} // namespace sinkscope::test

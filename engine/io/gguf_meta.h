#pragma once
// Typed reads of GGUF metadata for the model readers: each read checks the value's type and range
// and keeps the first problem as one line naming the file, the key and the value.
#include "io/gguf_reader.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

class GgufMeta {
public:
    // `arch` is general.architecture: keys given as ".block_count" are read as "<arch>.block_count".
    GgufMeta(const GgufFile& f, std::string arch) : m_f(f), m_arch(std::move(arch)) {}

    const GgufFile& file() const { return m_f; }
    const std::string& arch() const { return m_arch; }
    const std::string& error() const { return m_error; }
    bool ok() const { return m_error.empty(); }
    void fail(const std::string& key, const std::string& what);
    // "<arch>.block_count" for ".block_count"; other keys unchanged.
    std::string key(std::string_view k) const;
    const GgufValue* find(std::string_view k) const { return m_f.find(key(k)); }

    // An integer in [lo, hi]; `fallback` when absent (a required key is reported instead).
    std::int64_t integer(std::string_view k, std::int64_t lo, std::int64_t hi,
                         std::optional<std::int64_t> fallback);
    // A positive finite number (f32 or f64); `fallback` when absent.
    double positive(std::string_view k, std::optional<double> fallback);
    std::optional<std::string_view> string(std::string_view k);
    std::optional<bool> boolean(std::string_view k);

private:
    const GgufFile& m_f;
    std::string m_arch;
    std::string m_error;
};

} // namespace sinkscope

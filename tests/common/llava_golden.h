#pragma once
// The LLaVA goldens of tools/make_llava_fixtures.py (F32 and I32 arrays by name), read with the
// engine's own safetensors reader.
#include "io/safetensors.h"

#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace sinkscope::test {

struct Array {
    std::vector<float> values;
    std::vector<std::int32_t> ints;
    std::vector<std::int64_t> shape;
};

inline std::map<std::string, Array> loadArrays(const std::string& path) {
    auto file = SafetensorsFile::open(path);
    EXPECT_TRUE(file.ok()) << path;
    std::map<std::string, Array> out;
    if (!file.ok()) return out;
    for (const auto& t : file->tensors()) {
        Array a;
        a.shape = t.shape;
        if (t.dtype == DType::F32) {
            a.values.resize(static_cast<std::size_t>(t.numel()));
            std::memcpy(a.values.data(), t.data, t.nbytes);
        } else if (t.dtype == DType::I32) {
            a.ints.resize(static_cast<std::size_t>(t.numel()));
            std::memcpy(a.ints.data(), t.data, t.nbytes);
        }
        out[t.name] = std::move(a);
    }
    return out;
}

} // namespace sinkscope::test

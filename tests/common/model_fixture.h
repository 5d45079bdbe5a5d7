#pragma once
// Broken copies of the committed tiny models, made in a temp dir: a config.json with one field
// changed, or one weight value overwritten in place.
#include "temp_dir.h"
#include "test_paths.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace sinkscope::test {

// Copies tests/data/models/NAME into dir/NAME and returns that path.
inline std::string copyTestModel(const TempDir& dir, const std::string& name) {
    const auto to = dir.path(name);
    std::filesystem::copy(dataPath("models/" + name), to, std::filesystem::copy_options::recursive);
    return to;
}

// Sets config.json's `field` to `value` (JSON text, e.g. "-1" or "1e999").
inline void editConfig(const std::string& modelDir, const std::string& field, const std::string& value) {
    const auto path = modelDir + "/config.json";
    auto j = nlohmann::json::parse(readBytes(path));
    j.erase(field);
    std::string text = j.dump(2);
    // Written as text so that values JSON cannot hold as a double (1e999) reach the parser as such.
    text.insert(1, "\n  \"" + field + "\": " + value + ",");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Overwrites element `index` of a 16-bit tensor (BF16 or F16) of a safetensors file with `bits`.
inline void pokeHalfWeight(const std::string& file, const std::string& tensor, std::uint64_t index,
                           std::uint16_t bits) {
    std::string bytes = readBytes(file);
    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, bytes.data(), 8);
    const auto header = nlohmann::json::parse(bytes.substr(8, headerLen));
    const std::uint64_t begin = header.at(tensor).at("data_offsets").at(0).get<std::uint64_t>();
    std::memcpy(bytes.data() + 8 + headerLen + begin + 2 * index, &bits, 2);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

} // namespace sinkscope::test

// model.safetensors.index.json: parseShardIndex on the bytes, then WeightStore::openShardIndex from
// a scratch directory holding two small valid shards (a.safetensors with tensor "a", b.safetensors
// with "b"), so an index that names them gets as far as the checks between index and shards.
#include "fuzz_support.h"
#include "io/weight_store.h"
#include "targets.h"

#include <cstring>

namespace sinkscope::fuzz {

namespace {

std::string shard(const std::string& tensor) {
    const std::string header = R"({")" + tensor + R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::string bytes(8, '\0');
    const std::uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, sizeof n); // little-endian, as the format
    return bytes + header + std::string(4, '\0');
}

} // namespace

Outcome shardIndex(const std::uint8_t* data, std::size_t size) {
    static const bool shards = [] {
        writeScratchFile("a.safetensors", shard("a"));
        writeScratchFile("b.safetensors", shard("b"));
        return true;
    }();
    (void)shards;
    const std::string_view text = asText(data, size);
    if (auto parsed = parseShardIndex(text, "model.safetensors.index.json"); !parsed)
        return parsed.error().message;
    auto store = WeightStore::openShardIndex(writeScratchFile("model.safetensors.index.json", text));
    if (!store) return store.error().message;
    (void)store->names();
    return std::nullopt;
}

} // namespace sinkscope::fuzz

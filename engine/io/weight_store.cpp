#include "io/weight_store.h"

#include "core/json_parse.h"
#include "core/read_file.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>

namespace sinkscope {

Status WeightStore::addFile(SafetensorsFile file) {
    auto owned = std::make_shared<SafetensorsFile>(std::move(file));
    for (const auto& t : owned->tensors()) {
        auto [it, inserted] = m_index.emplace(t.name, Entry{t, owned});
        if (!inserted)
            return Error{fmt::format("{}: tensor '{}' is also in {}", owned->path(), excerpt(t.name),
                                     it->second.ref.file)};
    }
    return okStatus();
}

Result<WeightStore> WeightStore::openSafetensors(const std::string& path) {
    auto file = SafetensorsFile::open(path);
    if (!file) return file.error();
    WeightStore store;
    if (auto s = store.addFile(std::move(file.value())); !s) return s.error();
    return store;
}

Result<std::map<std::string, std::string>> parseShardIndex(std::string_view text,
                                                           const std::string& indexPath) {
    auto index = parseJson(text, indexPath);
    if (!index) return index.error();
    const auto map = index->find("weight_map");
    if (!index->is_object() || map == index->end() || !map->is_object())
        return Error{fmt::format("{}: missing object 'weight_map'", indexPath)};
    std::map<std::string, std::string> expected; // tensor -> shard
    for (const auto& [name, shard] : map->items()) {
        if (!shard.is_string())
            return Error{fmt::format("{}: weight_map['{}'] must be a string, got {}", indexPath,
                                     excerpt(name), shard.type_name())};
        const auto s = shard.get<std::string>();
        // Shard names are plain file names; refuse anything that walks out of the directory, and
        // names no exporter writes (longer than a file name may be, control characters), which
        // error messages would quote.
        const bool control = std::any_of(
            s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
        if (s.empty() || s.find('/') != std::string::npos || s == "." || s == ".." || s.size() > 255 ||
            control)
            return Error{fmt::format("{}: weight_map['{}'] names an invalid shard '{}'", indexPath,
                                     excerpt(name), excerpt(s))};
        expected[name] = s;
    }
    return expected;
}

Result<WeightStore> WeightStore::openShardIndex(const std::string& indexPath) {
    auto text = readWholeFile(indexPath, kConfigFile);
    if (!text) return text.error();
    auto parsed = parseShardIndex(*text, indexPath);
    if (!parsed) return parsed.error();
    const std::map<std::string, std::string>& expected = *parsed;
    const auto dir = std::filesystem::path(indexPath).parent_path();
    std::set<std::string> shards;
    for (const auto& [name, shard] : expected)
        shards.insert(shard);
    WeightStore store;
    for (const auto& s : shards) {
        auto file = SafetensorsFile::open((dir / s).string());
        if (!file) return file.error();
        if (auto st = store.addFile(std::move(file.value())); !st) return st.error();
    }
    for (const auto& [name, shard] : expected) {
        const auto* t = store.find(name);
        if (!t)
            return Error{fmt::format("{}: tensor '{}' is listed for {} but is not in it", indexPath,
                                     excerpt(name), excerpt(shard))};
        if (std::filesystem::path(t->file).filename() != shard)
            return Error{fmt::format("{}: tensor '{}' is listed for {} but found in {}", indexPath,
                                     excerpt(name), excerpt(shard), t->file)};
    }
    return store;
}

void WeightStore::addOwned(const std::string& name, std::vector<std::int64_t> shape,
                           std::vector<float> values, const std::string& origin) {
    auto buf = std::make_shared<std::vector<float>>(std::move(values));
    TensorRef ref;
    ref.name = name;
    ref.dtype = DType::F32;
    ref.shape = std::move(shape);
    ref.data = reinterpret_cast<const std::uint8_t*>(buf->data());
    ref.nbytes = buf->size() * sizeof(float);
    ref.file = origin;
    m_index[name] = Entry{std::move(ref), std::move(buf), true};
}

void WeightStore::addOwnedBytes(TensorRef ref, std::vector<std::uint8_t> bytes) {
    auto buf = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
    ref.data = buf->data();
    ref.nbytes = buf->size();
    auto name = ref.name;
    m_index[name] = Entry{std::move(ref), std::move(buf)};
}

void WeightStore::addView(TensorRef ref, std::shared_ptr<const void> owner) {
    auto name = ref.name;
    m_index[name] = Entry{std::move(ref), std::move(owner)};
}

void WeightStore::stripPrefix(const std::string& prefix) {
    renamePrefix(prefix, "");
}

WeightStore WeightStore::takePrefixes(const std::vector<std::string>& prefixes) {
    WeightStore taken;
    for (auto it = m_index.begin(); it != m_index.end();) {
        const bool match = std::any_of(prefixes.begin(), prefixes.end(),
                                       [&](const std::string& p) { return it->first.rfind(p, 0) == 0; });
        if (!match) {
            ++it;
            continue;
        }
        taken.m_index.emplace(it->first, std::move(it->second));
        it = m_index.erase(it);
    }
    return taken;
}

void WeightStore::renamePrefix(const std::string& from, const std::string& to) {
    std::map<std::string, Entry> renamed;
    for (auto& [name, entry] : m_index) {
        std::string n = name.rfind(from, 0) == 0 ? to + name.substr(from.size()) : name;
        entry.ref.name = n;
        renamed.emplace(std::move(n), std::move(entry));
    }
    m_index = std::move(renamed);
}

const TensorRef* WeightStore::find(const std::string& name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &it->second.ref;
}

bool WeightStore::converted(const std::string& name) const {
    auto it = m_index.find(name);
    return it != m_index.end() && it->second.converted;
}

std::shared_ptr<const void> WeightStore::owner(const std::string& name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : it->second.owner;
}

std::vector<std::string> WeightStore::names() const {
    std::vector<std::string> out;
    out.reserve(m_index.size());
    for (const auto& [n, _] : m_index)
        out.push_back(n);
    return out;
}

} // namespace sinkscope

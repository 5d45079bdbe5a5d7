#include "tokenizer/json_cursor.h"

#include "core/json_parse.h"
#include "core/mapped_file.h"
#include "tokenizer/load_error.h"

#include <fmt/format.h>

namespace sinkscope {

Json parseJsonFile(const std::string& path) {
    auto file = MappedFile::open(path, kTokenizerFile);
    if (!file) throwLoadError(file.error().message);
    return parseJsonText(std::string_view(reinterpret_cast<const char*>(file->data()), file->size()), path);
}

Json parseJsonText(std::string_view text, const std::string& path) {
    auto doc = parseJson(text, path);
    if (!doc) throwLoadError(doc.error().message);
    return std::move(doc.value());
}

std::string previewJson(const Json& value) {
    return jsonExcerpt(value, 60);
}

JsonCursor::JsonCursor(const Json& value, std::string file, std::string path)
    : m_value(&value), m_file(std::move(file)), m_path(std::move(path)) {}

std::string JsonCursor::where() const {
    return m_file + ": " + (m_path.empty() ? "top level" : m_path);
}

std::string JsonCursor::childPath(std::string_view key) const {
    return m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
}

void JsonCursor::fail(std::string_view problem) const {
    throwLoadError(where() + " " + std::string(problem));
}

JsonCursor JsonCursor::at(std::string_view key) const {
    auto member = find(key);
    if (!member) throwLoadError(fmt::format("{}: {} is missing", m_file, childPath(key)));
    return *member;
}

std::optional<JsonCursor> JsonCursor::find(std::string_view key) const {
    requireObject();
    const auto it = m_value->find(key);
    if (it == m_value->end() || it->is_null()) return std::nullopt;
    return JsonCursor(*it, m_file, childPath(key));
}

JsonCursor JsonCursor::at(std::size_t index) const {
    if (index >= arraySize()) fail(fmt::format("has no element {}", index));
    return JsonCursor((*m_value)[index], m_file, fmt::format("{}[{}]", m_path, index));
}

void JsonCursor::requireObject() const {
    if (!m_value->is_object()) fail("is not an object (got " + previewJson(*m_value) + ")");
}

std::size_t JsonCursor::arraySize() const {
    if (!m_value->is_array()) fail("is not an array (got " + previewJson(*m_value) + ")");
    return m_value->size();
}

std::string JsonCursor::string() const {
    if (!m_value->is_string()) fail("is not a string (got " + previewJson(*m_value) + ")");
    return m_value->get<std::string>();
}

std::int64_t JsonCursor::integer() const {
    if (!m_value->is_number_integer()) fail("is not an integer (got " + previewJson(*m_value) + ")");
    return m_value->get<std::int64_t>();
}

bool JsonCursor::boolean() const {
    if (!m_value->is_boolean()) fail("is not true or false (got " + previewJson(*m_value) + ")");
    return m_value->get<bool>();
}

bool JsonCursor::booleanOr(std::string_view key, bool fallback) const {
    const auto member = find(key);
    return member ? member->boolean() : fallback;
}

} // namespace sinkscope

#pragma once
// JsonCursor: a JSON value together with where it sits ("tokenizer.json: model.merges[12]"), so
// that every failed check can name the file, the field and the offending value. Accessors throw
// LoadError; the public loaders turn that into an Error.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sinkscope {

using Json = nlohmann::json;

// Parses a whole file; malformed JSON is reported with the file name and parser position, JSON
// nested deeper than kMaxJsonDepth (core/json_parse.h) is refused before parsing.
Json parseJsonFile(const std::string& path);
// The same for text already in memory; path names it in errors.
Json parseJsonText(std::string_view text, const std::string& path);

// A short rendering of a value for messages (long values are cut).
std::string previewJson(const Json& value);

class JsonCursor {
public:
    JsonCursor(const Json& value, std::string file, std::string path = {});

    const Json& value() const { return *m_value; }
    const std::string& file() const { return m_file; }
    const std::string& path() const { return m_path; }
    // "file: field.path", or "file: top level" for the root.
    std::string where() const;

    // A required member (missing or null is an error).
    JsonCursor at(std::string_view key) const;
    // An optional member; nullopt when missing or null.
    std::optional<JsonCursor> find(std::string_view key) const;
    JsonCursor at(std::size_t index) const;

    void requireObject() const;
    std::size_t arraySize() const;
    std::string string() const;
    std::int64_t integer() const;
    bool boolean() const;
    bool booleanOr(std::string_view key, bool fallback) const;

    [[noreturn]] void fail(std::string_view problem) const;

private:
    std::string childPath(std::string_view key) const;
    const Json* m_value;
    std::string m_file;
    std::string m_path;
};

} // namespace sinkscope

#include "core/json_parse.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

using nlohmann::json;

std::string quoted(std::string_view s) {
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// Appends a compact rendering of v to out until out passes budget; nesting below a fixed depth is
// elided, so this never recurses deeply whatever the value.
void render(const json& v, std::string& out, std::size_t budget, int depth) {
    if (out.size() > budget) return;
    if (depth > 16 && (v.is_object() || v.is_array())) {
        out += v.is_object() ? "{...}" : "[...]";
        return;
    }
    switch (v.type()) {
    case json::value_t::object: {
        out += '{';
        bool first = true;
        for (auto it = v.begin(); it != v.end() && out.size() <= budget; ++it, first = false) {
            if (!first) out += ',';
            out += quoted(std::string_view(it.key()).substr(0, budget));
            out += ':';
            render(it.value(), out, budget, depth + 1);
        }
        out += '}';
        return;
    }
    case json::value_t::array: {
        out += '[';
        bool first = true;
        for (auto it = v.begin(); it != v.end() && out.size() <= budget; ++it, first = false) {
            if (!first) out += ',';
            render(*it, out, budget, depth + 1);
        }
        out += ']';
        return;
    }
    case json::value_t::string:
        out += quoted(std::string_view(v.get_ref<const std::string&>()).substr(0, budget + 1));
        return;
    default:
        out += v.dump();
        return;
    }
}

std::string sizeNote(const json& v) {
    if (v.is_array()) return fmt::format("array of {} elements", v.size());
    if (v.is_object()) return fmt::format("object of {} members", v.size());
    if (v.is_string()) return fmt::format("string of {} bytes", v.get_ref<const std::string&>().size());
    return v.type_name();
}

} // namespace

Status checkJsonNesting(std::string_view text, const std::string& source, int maxDepth) {
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i; // the escaped character cannot end the string
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > maxDepth)
                return Error{
                    fmt::format("{}: JSON nests deeper than {} levels (at byte {})", source, maxDepth, i)};
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return okStatus();
}

Result<nlohmann::json> parseJson(std::string_view text, const std::string& source) {
    if (auto s = checkJsonNesting(text, source); !s) return s.error();
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        // parse_error (syntax, with line and column) and out_of_range (a number past double's range).
        return Error{fmt::format("{}: not valid JSON: {}", source, jsonErrorText(e))};
    }
}

std::string jsonErrorText(const nlohmann::json::exception& e) {
    std::string_view text = e.what();
    if (text.starts_with("[json.exception.")) {
        const auto close = text.find("] ");
        if (close != std::string_view::npos) text.remove_prefix(close + 2);
    }
    return excerpt(text, 2 * kExcerptBytes);
}

std::string jsonExcerpt(const nlohmann::json& value, std::size_t maxBytes) {
    std::string out;
    render(value, out, maxBytes, 0);
    if (out.size() <= maxBytes) return out;
    // Cut at a character boundary: the rendering is valid UTF-8 (invalid bytes were replaced).
    std::size_t cut = maxBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80)
        --cut;
    out.resize(cut);
    return out + "... (" + sizeNote(value) + ")";
}

} // namespace sinkscope

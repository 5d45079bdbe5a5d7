#include "tokenizer/hf_json_common.h"

#include "core/excerpt.h"
#include "tokenizer/bpe_parts.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

// Tolerant of malformed steps: this only picks the loader, whose own checks name the problem.
bool hasByteLevelStep(const Json& node, const char* listKey) {
    if (!node.is_object()) return false;
    const auto type = node.find("type");
    if (type == node.end() || !type->is_string()) return false;
    if (*type == "ByteLevel") return true;
    const auto list = node.find(listKey);
    if (*type != "Sequence" || list == node.end() || !list->is_array()) return false;
    for (const Json& step : *list) {
        if (hasByteLevelStep(step, listKey)) return true;
    }
    return false;
}

} // namespace

std::pair<std::string, std::string> mergeParts(const JsonCursor& entry) {
    const Json& v = entry.value();
    if (v.is_string()) {
        const std::string text = v.get<std::string>();
        const auto space = text.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == text.size() ||
            text.find(' ', space + 1) != std::string::npos) {
            entry.fail(fmt::format("\"{}\" is not two tokens separated by one space", excerpt(text)));
        }
        return {text.substr(0, space), text.substr(space + 1)};
    }
    if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string()) {
        return {v[0].get<std::string>(), v[1].get<std::string>()};
    }
    entry.fail("is not a string or pair (got " + previewJson(v) + ")");
}

void refuseBpeAffixes(const JsonCursor& model) {
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        if (const auto affix = model.find(key); affix && !affix->string().empty()) {
            affix->fail(
                fmt::format("is \"{}\"; word-piece affixes are not supported", excerpt(affix->string())));
        }
    }
}

std::vector<AddedToken> readAddedTokenList(const JsonCursor& root) {
    std::vector<AddedToken> tokens;
    const auto list = root.find("added_tokens");
    if (!list) return tokens;
    const std::size_t n = list->arraySize();
    for (std::size_t i = 0; i < n; ++i) {
        const JsonCursor entry = list->at(i);
        const JsonCursor idNode = entry.at("id");
        const std::int64_t id = idNode.integer();
        if (id < 0 || id >= kMaxTokenId) idNode.fail(fmt::format("is not a valid token id (got {})", id));
        const bool special = entry.booleanOr("special", false);
        // single_word is not applied: no published tokenizer.json of a supported kind sets it.
        tokens.push_back(AddedToken{.content = entry.at("content").string(),
                                    .id = static_cast<std::int32_t>(id),
                                    .special = special,
                                    .lstrip = entry.booleanOr("lstrip", false),
                                    .rstrip = entry.booleanOr("rstrip", false),
                                    // tokenizers' default for a token that does not say
                                    .normalized = entry.booleanOr("normalized", !special)});
    }
    return tokens;
}

bool isByteLevelTokenizerJson(const JsonCursor& root) {
    const Json& doc = root.value();
    const auto pre = doc.find("pre_tokenizer");
    const auto decoder = doc.find("decoder");
    return (pre != doc.end() && hasByteLevelStep(*pre, "pretokenizers")) ||
           (decoder != doc.end() && hasByteLevelStep(*decoder, "decoders"));
}

} // namespace sinkscope

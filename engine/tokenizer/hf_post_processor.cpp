#include "tokenizer/hf_post_processor.h"

#include "core/excerpt.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

std::int32_t checkedId(const JsonCursor& node, std::int64_t idLimit) {
    const std::int64_t id = node.integer();
    if (id < 0 || id >= idLimit) {
        node.fail(fmt::format("id {} is outside the vocabulary", id));
    }
    return static_cast<std::int32_t>(id);
}

// TemplateProcessing: "single" is a list of {"SpecialToken": {"id": name}} / {"Sequence": ...}.
std::optional<std::int32_t> bosFromTemplate(const JsonCursor& node, std::int64_t idLimit,
                                            const TokenLookup& findToken) {
    const JsonCursor single = node.at("single");
    if (single.arraySize() == 0) return std::nullopt;
    const auto special = single.at(std::size_t{0}).find("SpecialToken");
    if (!special) return std::nullopt; // the template starts with the text itself
    const JsonCursor nameNode = special->at("id");
    const std::string name = nameNode.string();
    if (const auto table = node.find("special_tokens")) {
        if (const auto entry = table->find(name)) {
            const JsonCursor ids = entry->at("ids");
            if (ids.arraySize() > 0) return checkedId(ids.at(std::size_t{0}), idLimit);
        }
    }
    if (const auto id = findToken(name)) return id;
    nameNode.fail(fmt::format("names \"{}\", which is not a token", excerpt(name)));
}

} // namespace

std::optional<std::int32_t> bosFromPostProcessor(const JsonCursor& node, std::int64_t idLimit,
                                                 const TokenLookup& findToken) {
    const std::string type = node.at("type").string();
    if (type == "TemplateProcessing") return bosFromTemplate(node, idLimit, findToken);
    if (type == "RobertaProcessing" || type == "BertProcessing") {
        // "cls": ["<s>", 0]
        const JsonCursor cls = node.at("cls");
        if (cls.arraySize() != 2)
            cls.fail("is not a [token, id] pair (got " + previewJson(cls.value()) + ")");
        return checkedId(cls.at(std::size_t{1}), idLimit);
    }
    if (type == "Sequence") {
        const JsonCursor list = node.at("processors");
        const std::size_t n = list.arraySize();
        for (std::size_t i = 0; i < n; ++i) {
            if (auto bos = bosFromPostProcessor(list.at(i), idLimit, findToken)) return bos;
        }
    }
    // Other processors (ByteLevel only trims offsets) put nothing before the text; an unknown one
    // must not make the whole tokenizer unusable, so it is read as "no BOS".
    return std::nullopt;
}

} // namespace sinkscope

#include "tokenizer/text_normalizer.h"

#include "core/excerpt.h"

#include <fmt/format.h>

#include <algorithm>

namespace sinkscope {

namespace {

void addSteps(TextNormalizer& normalizer, const JsonCursor& node) {
    const JsonCursor type = node.at("type");
    const std::string name = type.string();
    if (name == "Sequence") {
        const JsonCursor list = node.at("normalizers");
        const std::size_t n = list.arraySize();
        for (std::size_t i = 0; i < n; ++i)
            addSteps(normalizer, list.at(i));
    } else if (name == "Prepend") {
        normalizer.add({.pattern = std::nullopt, .content = parseInsertedText(node.at("prepend"))});
    } else if (name == "Replace") {
        normalizer.add({.pattern = parseReplacePattern(node.at("pattern")),
                        .content = parseInsertedText(node.at("content"))});
    } else if (name != "NFC") {
        type.fail(fmt::format("\"{}\" is not a supported normalizer", excerpt(name)));
    }
}

} // namespace

Result<std::string> TextNormalizer::apply(std::string_view text) const {
    std::string current(text);
    for (const Step& step : m_steps) {
        if (!step.pattern) {
            // tokenizers' Prepend leaves an empty text empty.
            if (!current.empty()) current.insert(0, step.content);
            continue;
        }
        std::string next;
        Regex::Matcher matcher(*step.pattern);
        if (Status s = matcher.replaceAll(current, step.content, next); !s) return s.error();
        current = std::move(next);
    }
    return current;
}

TextNormalizer parseTextNormalizer(const std::optional<JsonCursor>& node) {
    TextNormalizer normalizer;
    if (!node) return normalizer;
    addSteps(normalizer, *node);
    GrowthBound bound;
    for (const TextNormalizer::Step& step : normalizer.steps())
        bound.add(step.pattern.has_value(), step.content.size());
    bound.check(*node);
    return normalizer;
}

void GrowthBound::add(bool replace, std::size_t insertedBytes) {
    if (!replace) {
        m_prepended += insertedBytes;
    } else if (insertedBytes > 1) {
        // Every match is at least one byte, so a replacement multiplies the length by at most this.
        m_factor = std::min<std::size_t>(m_factor * insertedBytes, kMaxInsertedBytes + 1);
    }
}

void GrowthBound::check(const JsonCursor& node) const {
    if (m_factor > kMaxInsertedBytes || m_prepended > kMaxInsertedBytes) {
        node.fail(fmt::format("inserts text that could make its input more than {} times longer, which is "
                              "not supported",
                              kMaxInsertedBytes));
    }
}

Regex parseReplacePattern(const JsonCursor& pattern) {
    const auto literal = pattern.find("String");
    const auto regex = literal ? std::nullopt : pattern.find("Regex");
    if (!literal && !regex) pattern.fail("has neither \"Regex\" nor \"String\"");
    const JsonCursor& where = literal ? *literal : *regex;
    const std::string text = where.string();
    if (text.empty()) where.fail("is empty");
    auto compiled = Regex::compile(text, literal.has_value());
    if (!compiled) where.fail(fmt::format("{}: {}", previewJson(where.value()), compiled.error().message));
    if (compiled->matchesEmptyString()) {
        where.fail(
            fmt::format("{} matches the empty string, which is not supported", previewJson(where.value())));
    }
    return std::move(compiled).value();
}

std::string parseInsertedText(const JsonCursor& node) {
    std::string text = node.string();
    if (text.size() > kMaxInsertedBytes) {
        node.fail(fmt::format("is {} bytes long; at most {} are supported", text.size(), kMaxInsertedBytes));
    }
    return text;
}

} // namespace sinkscope

#include "tokenizer/pre_tokenizer_json.h"

#include "core/excerpt.h"
#include "core/utf8.h"
#include "tokenizer/load_error.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

Regex compileOrThrow(const std::string& pattern, bool literal, const JsonCursor& where) {
    auto regex = Regex::compile(pattern, literal);
    if (!regex) where.fail(fmt::format("{}: {}", previewJson(where.value()), regex.error().message));
    return std::move(regex).value();
}

SplitBehavior parseBehavior(const JsonCursor& node) {
    const std::string name = node.string();
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    node.fail(fmt::format("\"{}\" is not a known split behavior", excerpt(name)));
}

SplitStep parseSplit(const JsonCursor& node) {
    const JsonCursor pattern = node.at("pattern");
    SplitStep step{.regex = [&] {
        if (auto re = pattern.find("Regex")) return compileOrThrow(re->string(), false, *re);
        if (auto literal = pattern.find("String")) return compileOrThrow(literal->string(), true, *literal);
        pattern.fail("has neither \"Regex\" nor \"String\"");
    }()};
    step.behavior = parseBehavior(node.at("behavior"));
    step.invert = node.booleanOr("invert", false);
    return step;
}

// Digits isolates numeric characters (Rust's char::is_numeric, i.e. \p{N}), singly or in runs.
SplitStep parseDigits(const JsonCursor& node) {
    const bool individual = node.booleanOr("individual_digits", false);
    return SplitStep{.regex = compileOrThrow(individual ? R"(\p{N})" : R"(\p{N}+)", false, node),
                     .behavior = SplitBehavior::Isolated,
                     .invert = false};
}

ByteLevelStep parseByteLevel(const JsonCursor& node) {
    ByteLevelStep step;
    step.addPrefixSpace = node.booleanOr("add_prefix_space", false);
    if (node.booleanOr("use_regex", true)) step.gpt2Regex = compileOrThrow(kGpt2Pattern, false, node);
    return step;
}

MetaspaceStep::Prepend parsePrependScheme(const JsonCursor& node) {
    const std::string name = node.string();
    if (name == "always") return MetaspaceStep::Prepend::Always;
    if (name == "first") return MetaspaceStep::Prepend::First;
    if (name == "never") return MetaspaceStep::Prepend::Never;
    node.fail(fmt::format("\"{}\" is not \"always\", \"first\" or \"never\"", excerpt(name)));
}

MetaspaceStep parseMetaspace(const JsonCursor& node) {
    MetaspaceStep step;
    const JsonCursor replacement = node.at("replacement");
    step.replacement = replacement.string();
    std::size_t end = 0;
    if (!step.replacement.empty()) decodeUtf8(step.replacement, end);
    if (step.replacement.empty() || end != step.replacement.size()) {
        replacement.fail(fmt::format("is \"{}\"; expected exactly one character", excerpt(step.replacement)));
    }
    step.prepend = parseMetaspacePrepend(node);
    if (node.booleanOr("split", true)) step.splitter = compileOrThrow(step.replacement, true, replacement);
    return step;
}

enum class Flavor { ByteLevel, SpmStyle };

void addStep(PreTokenizer& pre, const JsonCursor& node, Flavor flavor) {
    const std::string type = node.at("type").string();
    if (type == "Sequence") {
        const JsonCursor list = node.at("pretokenizers");
        const std::size_t n = list.arraySize();
        for (std::size_t i = 0; i < n; ++i)
            addStep(pre, list.at(i), flavor);
        return;
    }
    // After ByteLevel the text is spelled in byte-level characters, which this engine never
    // materialises; no published tokenizer splits further at that point.
    if (pre.hasByteLevel())
        node.fail(fmt::format("(type \"{}\") follows ByteLevel, which is not supported", excerpt(type)));
    if (type == "ByteLevel" && flavor == Flavor::ByteLevel) {
        pre.setByteLevel(parseByteLevel(node));
    } else if (type == "Metaspace" && flavor == Flavor::SpmStyle) {
        pre.addMetaspace(parseMetaspace(node));
    } else if (type == "Split") {
        pre.addSplit(parseSplit(node));
    } else if (type == "Digits") {
        pre.addSplit(parseDigits(node));
    } else {
        node.at("type").fail(fmt::format("\"{}\" is not a supported pre-tokenizer type", excerpt(type)));
    }
}

} // namespace

PreTokenizer parsePreTokenizer(const JsonCursor& node) {
    PreTokenizer pre;
    addStep(pre, node, Flavor::ByteLevel);
    if (!pre.hasByteLevel()) {
        // Reached only when the decoder is ByteLevel: the file mixes the two kinds of BPE.
        node.fail("has no ByteLevel step, but the decoder is byte-level");
    }
    return pre;
}

MetaspaceStep::Prepend parseMetaspacePrepend(const JsonCursor& node) {
    auto prepend = MetaspaceStep::Prepend::Always;
    const auto scheme = node.find("prepend_scheme");
    if (scheme) prepend = parsePrependScheme(*scheme);
    if (const auto addPrefix = node.find("add_prefix_space"); addPrefix && !addPrefix->boolean()) {
        if (scheme && prepend != MetaspaceStep::Prepend::Never) {
            addPrefix->fail(
                fmt::format("is false, which contradicts prepend_scheme \"{}\"", scheme->string()));
        }
        prepend = MetaspaceStep::Prepend::Never;
    }
    return prepend;
}

PreTokenizer parseSpmStylePreTokenizer(const std::optional<JsonCursor>& node) {
    PreTokenizer pre;
    if (node) addStep(pre, *node, Flavor::SpmStyle);
    return pre;
}

PreTokenizer gpt2PreTokenizer() {
    PreTokenizer pre;
    auto regex = Regex::compile(kGpt2Pattern, false);
    if (!regex) throwLoadError("GPT-2 pre-tokenizer pattern: " + regex.error().message);
    pre.setByteLevel(ByteLevelStep{.addPrefixSpace = false, .gpt2Regex = std::move(regex).value()});
    return pre;
}

} // namespace sinkscope

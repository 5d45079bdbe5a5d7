#include "tokenizer/token_decoder.h"

#include "core/excerpt.h"
#include "core/utf8.h"
#include "tokenizer/pre_tokenizer_json.h"
#include "tokenizer/text_normalizer.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

using Tokens = std::vector<std::string>;

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD"; // U+FFFD

// "<0x41>" -> 0x41, as tokenizers' ByteFallback reads it (either case of hex digit).
std::optional<unsigned char> byteToken(const std::string& token) {
    if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>') return std::nullopt;
    unsigned value = 0;
    for (const char c : token.substr(3, 2)) {
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<unsigned>(digit);
    }
    return static_cast<unsigned char>(value);
}

// A run of byte tokens becomes its text when it is valid UTF-8, else one U+FFFD per byte.
Tokens byteFallback(const Tokens& tokens) {
    Tokens out;
    std::string pending;
    std::size_t pendingCount = 0;
    auto flush = [&] {
        if (pendingCount == 0) return;
        if (!findInvalidUtf8(pending)) {
            out.push_back(pending);
        } else {
            for (std::size_t i = 0; i < pendingCount; ++i)
                out.emplace_back(kReplacementCharacter);
        }
        pending.clear();
        pendingCount = 0;
    };
    for (const std::string& token : tokens) {
        if (const auto byte = byteToken(token)) {
            pending += static_cast<char>(*byte);
            ++pendingCount;
            continue;
        }
        flush();
        out.push_back(token);
    }
    flush();
    return out;
}

// The UTF-8 characters of text.
std::vector<std::string_view> characters(std::string_view text) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t begin = i;
        decodeUtf8(text, i);
        out.push_back(text.substr(begin, i - begin));
    }
    return out;
}

std::string strip(const std::string& token, const TokenDecoder::Step& step) {
    const auto chars = characters(token);
    std::size_t first = 0;
    while (first < step.start && first < chars.size() && chars[first] == step.content)
        ++first;
    std::size_t last = chars.size();
    for (std::size_t i = 0; i < step.stop && last > first && chars[last - 1] == step.content; ++i)
        --last;
    std::string out;
    for (std::size_t i = first; i < last; ++i)
        out += chars[i];
    return out;
}

// tokenizers' Metaspace decoder: the replacement character becomes a space, except that in the
// first token every one of them is dropped unless the scheme is "never".
std::string metaspace(const std::string& token, const TokenDecoder::Step& step, bool first) {
    std::string out;
    for (const std::string_view c : characters(token)) {
        if (c != step.content) {
            out += c;
        } else if (!(first && step.dropFirstReplacement)) {
            out += ' ';
        }
    }
    return out;
}

Tokens applyStep(const TokenDecoder::Step& step, Tokens tokens) {
    switch (step.kind) {
    case TokenDecoder::Kind::ByteFallback:
        return byteFallback(tokens);
    case TokenDecoder::Kind::Fuse: {
        std::string joined;
        for (const std::string& t : tokens)
            joined += t;
        return {joined};
    }
    case TokenDecoder::Kind::Replace: {
        Regex::Matcher matcher(*step.pattern);
        for (std::string& token : tokens) {
            std::string replaced;
            // A regex that fails to run (out of JIT stack) leaves the token as it is.
            if (matcher.replaceAll(token, step.content, replaced)) token = std::move(replaced);
        }
        return tokens;
    }
    case TokenDecoder::Kind::Strip:
        for (std::string& token : tokens)
            token = strip(token, step);
        return tokens;
    case TokenDecoder::Kind::Metaspace:
        for (std::size_t i = 0; i < tokens.size(); ++i)
            tokens[i] = metaspace(tokens[i], step, i == 0);
        return tokens;
    }
    return tokens;
}

std::string oneCharacter(const JsonCursor& node) {
    const std::string text = node.string();
    std::size_t end = 0;
    if (!text.empty()) decodeUtf8(text, end);
    if (text.empty() || end != text.size()) {
        node.fail(fmt::format("is \"{}\"; expected exactly one character", excerpt(text)));
    }
    return text;
}

std::size_t count(const JsonCursor& node) {
    const std::int64_t n = node.integer();
    if (n < 0) node.fail(fmt::format("is {}; expected a count of characters", n));
    return static_cast<std::size_t>(n);
}

void addSteps(TokenDecoder& decoder, const JsonCursor& node, GrowthBound& bound) {
    const JsonCursor type = node.at("type");
    const std::string name = type.string();
    TokenDecoder::Step step;
    if (name == "Sequence") {
        const JsonCursor list = node.at("decoders");
        const std::size_t n = list.arraySize();
        for (std::size_t i = 0; i < n; ++i)
            addSteps(decoder, list.at(i), bound);
        return;
    }
    if (name == "Replace") {
        step.kind = TokenDecoder::Kind::Replace;
        step.pattern = parseReplacePattern(node.at("pattern"));
        step.content = parseInsertedText(node.at("content"));
        bound.add(true, step.content.size());
    } else if (name == "ByteFallback") {
        step.kind = TokenDecoder::Kind::ByteFallback;
    } else if (name == "Fuse") {
        step.kind = TokenDecoder::Kind::Fuse;
    } else if (name == "Strip") {
        step.kind = TokenDecoder::Kind::Strip;
        step.content = oneCharacter(node.at("content"));
        step.start = count(node.at("start"));
        step.stop = count(node.at("stop"));
    } else if (name == "Metaspace") {
        step.kind = TokenDecoder::Kind::Metaspace;
        step.content = oneCharacter(node.at("replacement"));
        step.dropFirstReplacement = parseMetaspacePrepend(node) != MetaspaceStep::Prepend::Never;
    } else {
        type.fail(fmt::format("\"{}\" is not a supported decoder", excerpt(name)));
    }
    decoder.add(std::move(step));
}

} // namespace

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
    std::string text;
    if (m_joinWithSpaces) {
        for (std::size_t i = 0; i < tokens.size(); ++i)
            text += (i == 0 ? "" : " ") + tokens[i];
        return text;
    }
    for (const Step& step : m_steps)
        tokens = applyStep(step, std::move(tokens));
    for (const std::string& t : tokens)
        text += t;
    return text;
}

TokenDecoder parseTokenDecoder(const std::optional<JsonCursor>& node) {
    TokenDecoder decoder;
    if (!node) {
        decoder.setJoinWithSpaces(true);
        return decoder;
    }
    GrowthBound bound;
    addSteps(decoder, *node, bound);
    bound.check(*node);
    return decoder;
}

} // namespace sinkscope

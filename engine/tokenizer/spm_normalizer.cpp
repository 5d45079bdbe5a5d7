#include "tokenizer/spm_normalizer.h"

#include "tokenizer/load_error.h"

#include <cstring>
#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81"; // U+2581
constexpr std::size_t kMaxTrieResults = 32;               // sentencepiece only looks at this many

// Darts-clone unit layout.
bool hasLeaf(std::uint32_t unit) {
    return ((unit >> 8) & 1U) == 1U;
}
std::uint32_t unitValue(std::uint32_t unit) {
    return unit & ((1U << 31) - 1);
}
std::uint32_t unitLabel(std::uint32_t unit) {
    return unit & ((1U << 31) | 0xFFU);
}
std::uint32_t unitOffset(std::uint32_t unit) {
    return (unit >> 10) << ((unit & (1U << 9)) >> 6);
}

} // namespace

SpmNormalizer::SpmNormalizer(const SpmVocab& vocab, const std::string& path)
    : m_vocab(&vocab), m_spec(vocab.spec().normalizer) {
    const std::string& blob = m_spec.charsmap;
    if (blob.empty()) return; // identity: no rules
    // <uint32 trie size in bytes><trie units><replacement strings>
    std::uint32_t trieBytes = 0;
    if (blob.size() >= 4) std::memcpy(&trieBytes, blob.data(), 4);
    if (blob.size() < 4 || trieBytes % 4 != 0 || trieBytes > blob.size() - 4 || trieBytes == 0) {
        throwLoadError(fmt::format(
            "{}: normalizer_spec.precompiled_charsmap is malformed (trie of {} bytes in a {}-byte "
            "map)",
            path, trieBytes, blob.size()));
    }
    m_units.resize(trieBytes / 4);
    std::memcpy(m_units.data(), blob.data() + 4, trieBytes);
    m_replacements = std::string_view(m_spec.charsmap).substr(4 + trieBytes);
}

std::pair<std::size_t, std::uint32_t> SpmNormalizer::longestRule(std::string_view input) const {
    std::size_t longest = 0;
    std::uint32_t value = 0;
    if (m_units.empty()) return {0, 0};
    std::size_t node = unitOffset(m_units[0]);
    std::size_t found = 0;
    for (std::size_t i = 0; i < input.size(); ++i) {
        const auto byte = static_cast<unsigned char>(input[i]);
        node ^= byte;
        if (node >= m_units.size()) break; // a corrupt map must not read out of bounds
        const std::uint32_t unit = m_units[node];
        if (unitLabel(unit) != byte) break;
        node ^= unitOffset(unit);
        if (node >= m_units.size()) break;
        if (hasLeaf(unit)) {
            if (found++ < kMaxTrieResults) {
                longest = i + 1;
                value = unitValue(m_units[node]);
            }
        }
    }
    return {longest, value};
}

std::pair<std::string_view, std::size_t> SpmNormalizer::normalizePrefix(std::string_view input) const {
    // User-defined symbols pass through untouched.
    bool userDefined = false;
    const std::size_t symbol = m_vocab->leadingSymbol(input, userDefined);
    if (userDefined) return {input.substr(0, symbol), symbol};
    const auto [length, value] = longestRule(input);
    if (length == 0 || value >= m_replacements.size()) return {input.substr(0, symbol), symbol};
    const std::string_view rest = m_replacements.substr(value);
    return {rest.substr(0, rest.find('\0')), length};
}

std::string SpmNormalizer::normalize(std::string_view input) const {
    if (m_spec.removeExtraWhitespaces) {
        while (!input.empty()) {
            const auto [text, consumed] = normalizePrefix(input);
            if (text != " ") break;
            input.remove_prefix(consumed);
        }
    }
    std::string out;
    if (input.empty()) return out;
    const std::string_view space = m_spec.escapeWhitespaces ? kSpaceSymbol : std::string_view(" ");
    if (m_spec.addDummyPrefix) out += space;
    bool previousIsSpace = m_spec.removeExtraWhitespaces;
    while (!input.empty()) {
        auto [text, consumed] = normalizePrefix(input);
        while (previousIsSpace && !text.empty() && text.front() == ' ')
            text.remove_prefix(1);
        if (!text.empty()) {
            for (const char c : text) {
                if (c == ' ') {
                    out += space;
                } else {
                    out += c;
                }
            }
            previousIsSpace = text.back() == ' ';
        }
        input.remove_prefix(consumed);
        if (!m_spec.removeExtraWhitespaces) previousIsSpace = false;
    }
    if (m_spec.removeExtraWhitespaces) {
        while (out.size() >= space.size() &&
               out.compare(out.size() - space.size(), space.size(), space) == 0) {
            out.resize(out.size() - space.size());
        }
    }
    return out;
}

} // namespace sinkscope

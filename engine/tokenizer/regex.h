#pragma once
// Regex: a compiled PCRE2 pattern in UTF + UCP mode (so \s, \p{L}, \w follow Unicode), JIT-compiled
// when the platform allows. Pre-tokenizer patterns from tokenizer.json are written for Oniguruma
// and the `regex` crate; the constructs they use (\p{..}, (?i:..), (?!..), {1,3}) mean the same here.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/result.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

struct MatchSpan {
    std::size_t begin;
    std::size_t end;
};

class Regex {
public:
    // literal: match the pattern text itself (HF's {"String": ...} split patterns).
    static Result<Regex> compile(const std::string& pattern, bool literal);

    // Per-call scratch (match data and JIT stack); one per thread, reused across many subjects.
    class Matcher {
    public:
        explicit Matcher(const Regex& regex);
        // Appends the non-empty matches in text (which must be valid UTF-8) to spans.
        Status findAll(std::string_view text, std::vector<MatchSpan>& spans);
        // Appends text to out with every non-empty match replaced by content (tokenizers' Replace).
        Status replaceAll(std::string_view text, std::string_view content, std::string& out);

    private:
        const Regex* m_regex;
        std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> m_data;
        std::unique_ptr<pcre2_match_context, void (*)(pcre2_match_context*)> m_context;
        std::unique_ptr<pcre2_jit_stack, void (*)(pcre2_jit_stack*)> m_jitStack;
    };

    const std::string& pattern() const { return m_pattern; }
    // Whether the pattern matches the empty string (such patterns would insert text everywhere).
    bool matchesEmptyString() const;

private:
    std::shared_ptr<pcre2_code> m_code; // shared so copies of a tokenizer reuse one compilation
    std::string m_pattern;
    bool m_jit = false;
};

} // namespace sinkscope

#include "tokenizer/regex.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

std::string pcre2Message(int code) {
    PCRE2_UCHAR buffer[256];
    const int n = pcre2_get_error_message(code, buffer, sizeof buffer);
    return n < 0 ? fmt::format("PCRE2 error {}", code) : std::string(reinterpret_cast<char*>(buffer));
}

// Long runs of whitespace or letters can need more backtracking room than PCRE2's 32 KiB default.
constexpr std::size_t kJitStackStart = 32 * 1024;
constexpr std::size_t kJitStackMax = 16 * 1024 * 1024;

} // namespace

Result<Regex> Regex::compile(const std::string& pattern, bool literal) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    // PCRE2 refuses UCP together with LITERAL; a literal has no classes for UCP to affect anyway.
    const std::uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                                     &errorCode, &errorOffset, nullptr);
    if (code == nullptr) {
        return Error{
            fmt::format("regex does not compile at offset {}: {}", errorOffset, pcre2Message(errorCode))};
    }
    Regex r;
    r.m_code.reset(code, pcre2_code_free);
    r.m_pattern = pattern;
    // Without JIT the interpreter gives the same matches, only slower.
    r.m_jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    return r;
}

Regex::Matcher::Matcher(const Regex& regex)
    : m_regex(&regex),
      m_data(pcre2_match_data_create_from_pattern(regex.m_code.get(), nullptr), pcre2_match_data_free),
      m_context(nullptr, pcre2_match_context_free), m_jitStack(nullptr, pcre2_jit_stack_free) {
    if (regex.m_jit) {
        m_context.reset(pcre2_match_context_create(nullptr));
        m_jitStack.reset(pcre2_jit_stack_create(kJitStackStart, kJitStackMax, nullptr));
        if (m_context && m_jitStack) pcre2_jit_stack_assign(m_context.get(), nullptr, m_jitStack.get());
    }
}

Status Regex::Matcher::findAll(std::string_view text, std::vector<MatchSpan>& spans) {
    if (!m_data) return Error{"out of memory for regex match data"};
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t start = 0;
    while (start < text.size()) {
        // The caller validated the UTF-8 once for the whole input; skip PCRE2's per-call check.
        const int rc = pcre2_match(m_regex->m_code.get(), subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                                   m_data.get(), m_context.get());
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            return Error{fmt::format("pre-tokenizer regex failed at byte {}: {}", start, pcre2Message(rc))};
        }
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(m_data.get());
        const std::size_t begin = ovector[0];
        const std::size_t end = ovector[1];
        if (end > begin) {
            spans.push_back({begin, end});
            start = end;
        } else {
            // An empty match produces no piece; step over one whole code point and go on.
            start = begin + 1;
            while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
                ++start;
        }
    }
    return okStatus();
}

Status Regex::Matcher::replaceAll(std::string_view text, std::string_view content, std::string& out) {
    std::vector<MatchSpan> spans;
    if (Status s = findAll(text, spans); !s) return s;
    std::size_t copied = 0;
    for (const MatchSpan& m : spans) {
        out.append(text.substr(copied, m.begin - copied));
        out.append(content);
        copied = m.end;
    }
    out.append(text.substr(copied));
    return okStatus();
}

bool Regex::matchesEmptyString() const {
    std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> data(
        pcre2_match_data_create_from_pattern(m_code.get(), nullptr), pcre2_match_data_free);
    if (!data) return false;
    static const PCRE2_UCHAR kEmpty[1] = {0};
    return pcre2_match(m_code.get(), kEmpty, 0, 0, 0, data.get(), nullptr) >= 0;
}

} // namespace sinkscope

#include "train/lesson_probe.h"

#include "core/atomic_file.h"
#include "core/read_file.h"
#include "intervene/intervention.h"
#include "metrics/output_effect.h"
#include "tokenizer/tokenizer.h"

#include <filesystem>
#include <fmt/format.h>

namespace sinkscope {

namespace fs = std::filesystem;

namespace {

// Held-out and prompt files are small by design; anything larger is a mistake, not a corpus.
constexpr FileKind kLessonFile{"a lesson text", 4ull << 20};

std::vector<std::string> promptLines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t a = 0;
    while (a <= text.size()) {
        auto b = text.find('\n', a);
        if (b == std::string::npos) b = text.size();
        std::string line = text.substr(a, b - a);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(line);
        a = b + 1;
    }
    return out;
}

Result<PerplexityOutput> streamPerplexity(const Model& m, const std::vector<std::int32_t>& ids, int sinks) {
    auto iv = parseIntervention(fmt::format("stream:sinks={},window={},pos=shift", sinks, kLessonWindow));
    if (!iv) return iv.error();
    return m.perplexity(ids, {*iv});
}

} // namespace

Result<std::optional<LessonInputs>> loadLessonInputs(const std::string& runDir, const Tokenizer& tokenizer,
                                                     bool bos) {
    const std::string heldoutPath = runDir + "/data/heldout.txt",
                      promptsPath = runDir + "/data/lesson_prompts.txt";
    if (!fs::exists(heldoutPath)) return std::optional<LessonInputs>{};
    auto text = readWholeFile(heldoutPath, kLessonFile);
    if (!text) return text.error();
    auto ids = tokenizer.encode(*text, bos);
    if (!ids) return Error{fmt::format("{}: {}", heldoutPath, ids.error().message)};
    LessonInputs in;
    in.heldout = std::move(ids.value());
    if (in.heldout.size() > static_cast<std::size_t>(kLessonTokens)) in.heldout.resize(kLessonTokens);
    if (in.heldout.size() <= static_cast<std::size_t>(kLessonWindow + kLessonSinks))
        return Error{fmt::format("{}: {} tokens, too few for a window of {} and {} sinks to evict anything",
                                 heldoutPath, in.heldout.size(), kLessonWindow, kLessonSinks)};
    if (fs::exists(promptsPath)) {
        auto prompts = readWholeFile(promptsPath, kLessonFile);
        if (!prompts) return prompts.error();
        const auto lines = promptLines(*prompts);
        if (lines.size() > static_cast<std::size_t>(kLessonPrompts))
            return Error{
                fmt::format("{}: {} prompts, more than {}", promptsPath, lines.size(), kLessonPrompts)};
        for (const auto& line : lines) {
            auto p = tokenizer.encode(line, bos);
            if (!p) return Error{fmt::format("{}: {}", promptsPath, p.error().message)};
            if (p->size() > static_cast<std::size_t>(kLessonTokens))
                return Error{fmt::format("{}: a prompt of {} tokens, more than {}", promptsPath, p->size(),
                                         kLessonTokens)};
            if (!p->empty()) in.prompts.push_back(std::move(p.value()));
        }
    }
    return std::optional<LessonInputs>{std::move(in)};
}

Result<LessonResult> probeLesson(const Model& m, const LessonInputs& in) {
    LessonResult r;
    auto window = streamPerplexity(m, in.heldout, 0);
    if (!window) return window.error();
    auto sinks = streamPerplexity(m, in.heldout, kLessonSinks);
    if (!sinks) return sinks.error();
    r.pplWindow = window->perplexity;
    r.pplSinks = sinks->perplexity;
    if (in.prompts.empty()) return r;
    auto suppress = parseIntervention("suppress");
    if (!suppress) return suppress.error();
    double kl = 0;
    for (const auto& p : in.prompts) {
        auto base = m.forward(p, nullptr);
        if (!base) return base.error();
        auto after = m.forward(p, nullptr, false, {*suppress});
        if (!after) return after.error();
        kl += nextTokenEffect(base->logits.data(), after->logits.data(), base->vocab, 1).kl;
    }
    r.suppressionKl = kl / static_cast<double>(in.prompts.size());
    return r;
}

Status installLessonFiles(const std::string& runDir, const std::string& heldout, const std::string& prompts) {
    const std::pair<const std::string*, const char*> files[] = {{&heldout, "heldout.txt"},
                                                                {&prompts, "lesson_prompts.txt"}};
    for (const auto& [from, name] : files) {
        if (from->empty()) continue;
        const std::string to = runDir + "/data/" + name;
        if (fs::exists(to)) continue; // a run keeps the texts it started measuring with
        auto text = readWholeFile(*from, kLessonFile);
        if (!text) return text.error();
        if (auto s = writeFileAtomically(to, *text); !s) return s;
    }
    return okStatus();
}

} // namespace sinkscope

#include "tokenizer/pre_tokenizer.h"

namespace sinkscope {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

struct Segment {
    std::size_t begin;
    std::size_t end;
    bool isMatch;
};

// The whole text as alternating gap / match segments (empty gaps left out), as tokenizers does.
std::vector<Segment> segmentsOf(std::size_t size, const std::vector<MatchSpan>& matches, bool invert) {
    std::vector<Segment> segments;
    std::size_t prev = 0;
    for (const MatchSpan& m : matches) {
        if (m.begin > prev) segments.push_back({prev, m.begin, invert});
        segments.push_back({m.begin, m.end, !invert});
        prev = m.end;
    }
    if (prev < size) segments.push_back({prev, size, invert});
    return segments;
}

// Applies one behavior; the merge rules mirror tokenizers' NormalizedString::split exactly,
// including that a delimiter only merges with a neighbour that is not itself a delimiter.
std::vector<Segment> applyBehavior(const std::vector<Segment>& in, SplitBehavior behavior) {
    std::vector<Segment> out;
    bool previousMatch = false;
    switch (behavior) {
    case SplitBehavior::Isolated:
        return in;
    case SplitBehavior::Removed:
        for (const Segment& s : in) {
            if (!s.isMatch) out.push_back(s);
        }
        return out;
    case SplitBehavior::MergedWithPrevious:
        for (const Segment& s : in) {
            if (s.isMatch && !previousMatch && !out.empty()) {
                out.back().end = s.end;
            } else {
                out.push_back(s);
            }
            previousMatch = s.isMatch;
        }
        return out;
    case SplitBehavior::MergedWithNext:
        for (auto it = in.rbegin(); it != in.rend(); ++it) {
            if (it->isMatch && !previousMatch && !out.empty()) {
                out.back().begin = it->begin;
            } else {
                out.push_back(*it);
            }
            previousMatch = it->isMatch;
        }
        return {out.rbegin(), out.rend()};
    case SplitBehavior::Contiguous:
        for (const Segment& s : in) {
            if (s.isMatch == previousMatch && !out.empty()) {
                out.back().end = s.end;
            } else {
                out.push_back(s);
            }
            previousMatch = s.isMatch;
        }
        return out;
    }
    return out;
}

// Splits every piece; firstAtStart stays true only while pieces[0] still begins where it did.
Status splitPieces(const Regex& regex, SplitBehavior behavior, bool invert, std::vector<std::string>& pieces,
                   bool& firstAtStart) {
    Regex::Matcher matcher(regex);
    std::vector<std::string> next;
    std::vector<MatchSpan> matches;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const std::string& piece = pieces[i];
        matches.clear();
        if (Status s = matcher.findAll(piece, matches); !s) return s;
        for (const Segment& seg : applyBehavior(segmentsOf(piece.size(), matches, invert), behavior)) {
            if (next.empty() && (i != 0 || seg.begin != 0)) firstAtStart = false;
            next.push_back(piece.substr(seg.begin, seg.end - seg.begin));
        }
    }
    pieces = std::move(next);
    return okStatus();
}

// tokenizers' Metaspace::pre_tokenize on each piece.
Status applyMetaspace(const MetaspaceStep& step, std::vector<std::string>& pieces, bool& firstAtStart) {
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        std::string& piece = pieces[i];
        std::string replaced;
        replaced.reserve(piece.size());
        for (const char c : piece) {
            if (c == ' ') {
                replaced += step.replacement;
            } else {
                replaced += c;
            }
        }
        piece = std::move(replaced);
        const bool prepend = step.prepend == MetaspaceStep::Prepend::Always ||
                             (step.prepend == MetaspaceStep::Prepend::First && i == 0 && firstAtStart);
        if (prepend && !piece.starts_with(step.replacement)) piece.insert(0, step.replacement);
    }
    if (!step.splitter) return okStatus();
    return splitPieces(*step.splitter, SplitBehavior::MergedWithNext, false, pieces, firstAtStart);
}

} // namespace

Status PreTokenizer::split(std::string_view text, std::vector<std::string>& pieces, bool atTextStart) const {
    pieces.clear();
    if (text.empty()) return okStatus();
    pieces.emplace_back(text);
    bool firstAtStart = atTextStart;
    for (const auto& step : m_steps) {
        Status s = std::holds_alternative<SplitStep>(step)
                       ? splitPieces(std::get<SplitStep>(step).regex, std::get<SplitStep>(step).behavior,
                                     std::get<SplitStep>(step).invert, pieces, firstAtStart)
                       : applyMetaspace(std::get<MetaspaceStep>(step), pieces, firstAtStart);
        if (!s) return s;
    }
    if (!m_byteLevel) return okStatus();
    if (m_byteLevel->addPrefixSpace) {
        // tokenizers prepends the space to every piece that reaches ByteLevel, not just the first.
        for (std::string& piece : pieces) {
            if (piece.empty() || piece.front() != ' ') piece.insert(piece.begin(), ' ');
        }
    }
    if (m_byteLevel->gpt2Regex) {
        return splitPieces(*m_byteLevel->gpt2Regex, SplitBehavior::Isolated, false, pieces, firstAtStart);
    }
    return okStatus();
}

} // namespace sinkscope

#pragma once
// PreTokenizer: cuts text into the pieces that BPE encodes one by one, following Hugging Face
// semantics: a list of Split and Metaspace steps (each applied to every piece of the previous
// step), then, for byte-level BPE, the ByteLevel step (optional leading space per piece, optional
// GPT-2 regex split). The byte-to-character mapping of ByteLevel is not done here: the BPE model
// works on raw bytes directly.
#include "core/result.h"
#include "tokenizer/regex.h"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sinkscope {

// What a Split step does with the matches; names as in tokenizers' SplitDelimiterBehavior.
enum class SplitBehavior { Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous };

struct SplitStep {
    Regex regex;
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false; // the pattern marks the pieces to keep rather than the delimiters
};

// SentencePiece's whitespace handling: spaces become the replacement character ("\u2581"), which
// is put in front of a piece as prepend says, and (when splitter is set) each replacement
// character starts a new piece (MergedWithNext).
struct MetaspaceStep {
    enum class Prepend { Always, First, Never };
    std::string replacement; // one character
    Prepend prepend = Prepend::Always;
    std::optional<Regex> splitter;
};

struct ByteLevelStep {
    bool addPrefixSpace = false;
    std::optional<Regex> gpt2Regex; // set when use_regex is true
};

// GPT-2's pre-tokenizer pattern, which ByteLevel applies when use_regex is true.
extern const char* const kGpt2Pattern;

class PreTokenizer {
public:
    void addSplit(SplitStep step) { m_steps.emplace_back(std::move(step)); }
    void addMetaspace(MetaspaceStep step) { m_steps.emplace_back(std::move(step)); }
    void setByteLevel(ByteLevelStep step) { m_byteLevel = std::move(step); }
    bool hasByteLevel() const { return m_byteLevel.has_value(); }

    // Replaces pieces by the pre-tokens of text (valid UTF-8), in order. atTextStart: text begins
    // the input (it does not follow an added token), which Metaspace's "first" scheme asks.
    Status split(std::string_view text, std::vector<std::string>& pieces, bool atTextStart = true) const;

private:
    std::vector<std::variant<SplitStep, MetaspaceStep>> m_steps;
    std::optional<ByteLevelStep> m_byteLevel;
};

} // namespace sinkscope

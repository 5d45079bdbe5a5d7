#pragma once
// TokenDecoder: tokenizer.json's "decoder" for SentencePiece-style files, run as tokenizers runs
// it: each step turns the list of token strings into a new list, and the last list is joined.
// Supported: Replace, ByteFallback, Fuse, Strip, Metaspace and Sequences of these (Llama-2 and
// Gemma use Replace("\u2581" -> " "), ByteFallback, Fuse and, for Llama-2, Strip(" ", 1, 0)).
#include "tokenizer/json_cursor.h"
#include "tokenizer/regex.h"

#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

class TokenDecoder {
public:
    enum class Kind { Replace, ByteFallback, Fuse, Strip, Metaspace };
    struct Step {
        Kind kind = Kind::Fuse;
        std::optional<Regex> pattern;      // Replace
        std::string content;               // Replace: the replacement; Strip, Metaspace: the character
        std::size_t start = 0;             // Strip: characters to strip at most from the front...
        std::size_t stop = 0;              // ...and from the back
        bool dropFirstReplacement = false; // Metaspace with a prepend scheme other than "never"
    };

    void add(Step step) { m_steps.push_back(std::move(step)); }
    // With no steps at all (no "decoder"), tokenizers joins the tokens with spaces.
    void setJoinWithSpaces(bool on) { m_joinWithSpaces = on; }

    std::string decode(std::vector<std::string> tokens) const;

private:
    std::vector<Step> m_steps;
    bool m_joinWithSpaces = false;
};

// node is the "decoder" value, absent for none. Throws LoadError naming the field.
TokenDecoder parseTokenDecoder(const std::optional<JsonCursor>& node);

} // namespace sinkscope

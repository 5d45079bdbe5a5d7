#pragma once
// The parts of a SentencePiece ModelProto (tokenizer.model) that encoding and decoding depend on.
// Field numbers follow sentencepiece_model.proto; defaults are the proto's defaults.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

enum class SpmPieceType : std::uint8_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6
};
enum class SpmModelType : std::uint8_t { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

struct SpmPiece {
    std::string text;
    float score = 0.0F;
    SpmPieceType type = SpmPieceType::Normal;
};

struct SpmNormalizerSpec {
    std::string name;
    std::string charsmap; // precompiled_charsmap: a double-array trie plus replacement strings
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = true;
    bool escapeWhitespaces = true;
};

struct SpmModelSpec {
    std::vector<SpmPiece> pieces;
    SpmModelType modelType = SpmModelType::Unigram;
    bool byteFallback = false;
    bool treatWhitespaceAsSuffix = false;
    std::string bosPiece = "<s>";
    std::string eosPiece = "</s>";
    std::string unkSurface = " \xE2\x81\x87 "; // what decode shows for <unk>: " ⁇ "
    SpmNormalizerSpec normalizer;
};

// Reads and parses path; throws LoadError naming the file and the offending field.
SpmModelSpec readSpmModel(const std::string& path);
// Parses a ModelProto already in memory; path names it in errors.
SpmModelSpec parseSpmModel(std::string_view bytes, const std::string& path);

} // namespace sinkscope

// loadVocabMerges: GPT-2's original two-file format. vocab.json maps byte-level spellings to ids,
// merges.txt lists one "a b" merge per line (highest priority first), optionally after a
// "#version" line. The pre-tokenizer is GPT-2's, and "<|endoftext|>" is both BOS and EOS.
#include "core/excerpt.h"
#include "core/mapped_file.h"
#include "tokenizer/bpe_parts.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/json_cursor.h"
#include "tokenizer/load_error.h"
#include "tokenizer/pre_tokenizer_json.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

constexpr std::string_view kEndOfText = "<|endoftext|>";

void readMergesFile(const std::string& path, ByteLevelBpeParts& parts) {
    auto file = MappedFile::open(path, kTokenizerFile);
    if (!file) throwLoadError(file.error().message);
    const std::string_view text(reinterpret_cast<const char*>(file->data()), file->size());
    std::int32_t rank = 0;
    std::size_t lineNumber = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNumber;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.starts_with("#version")) continue;
        const auto space = line.find(' ');
        if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
            line.find(' ', space + 1) != std::string_view::npos) {
            throwLoadError(fmt::format("{}: line {} \"{}\" is not two tokens separated by one space", path,
                                       lineNumber, excerpt(line)));
        }
        const auto a = byteLevelToBytes(line.substr(0, space));
        const auto b = byteLevelToBytes(line.substr(space + 1));
        std::optional<std::string> problem = "it has a character outside the byte-level alphabet";
        if (a && b) problem = parts.model.addMerge(*a, *b, rank++);
        if (problem)
            throwLoadError(fmt::format("{}: line {} \"{}\": {}", path, lineNumber, excerpt(line), *problem));
    }
}

std::unique_ptr<Tokenizer> load(const std::string& vocabPath, const std::string& mergesPath) {
    const Json vocab = parseJsonFile(vocabPath);
    ByteLevelBpeParts parts;
    parts.source = "vocab.json + merges.txt";
    readVocabObject(JsonCursor(vocab, vocabPath), parts);
    readMergesFile(mergesPath, parts);
    parts.preTokenizer = gpt2PreTokenizer();
    if (const auto eot = parts.model.find(kEndOfText)) {
        addAddedToken(parts, AddedToken{.content = std::string(kEndOfText), .id = *eot, .special = true});
        parts.bos = eot;
        parts.eos = eot;
    }
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(parts));
}

} // namespace

Result<std::unique_ptr<Tokenizer>> loadVocabMerges(const std::string& vocabPath,
                                                   const std::string& mergesPath) {
    return catchLoadErrors(
        vocabPath, [&]() -> Result<std::unique_ptr<Tokenizer>> { return load(vocabPath, mergesPath); });
}

} // namespace sinkscope

// loadTokenizerFromDirectory: picks the tokenizer file of a model directory.
#include "tokenizer/json_cursor.h"
#include "tokenizer/load_error.h"
#include "tokenizer/tokenizer.h"

#include <filesystem>
#include <fmt/format.h>

namespace sinkscope {

namespace {

namespace fs = std::filesystem;

// tokenizer.bin does not record its token count. Converted checkpoints that come with a
// config.json state it there; otherwise the file is read to its end.
std::int32_t llama2cVocabSize(const fs::path& dir) {
    const fs::path config = dir / "config.json";
    if (!fs::is_regular_file(config)) return 0;
    const Json doc = parseJsonFile(config.string());
    if (!doc.is_object()) return 0;
    const auto it = doc.find("vocab_size");
    if (it == doc.end() || !it->is_number_integer()) return 0;
    const std::int64_t size = it->get<std::int64_t>();
    if (size <= 0 || size > INT32_MAX) {
        throwLoadError(fmt::format("{}: vocab_size is {}, expected a positive count", config.string(), size));
    }
    return static_cast<std::int32_t>(size);
}

Result<std::unique_ptr<Tokenizer>> load(const fs::path& dir) {
    if (!fs::is_directory(dir)) return Error{dir.string() + ": not a directory"};
    auto file = [&](const char* name) { return (dir / name).string(); };
    auto has = [&](const char* name) { return fs::is_regular_file(dir / name); };

    if (has("tokenizer.json")) {
        auto json = loadHfTokenizerJson(file("tokenizer.json"));
        // A tokenizer.json with parts this engine does not implement (a Unigram model, a
        // Precompiled normalizer) often sits next to the tokenizer.model it was converted from.
        if (!json && has("tokenizer.model")) {
            if (auto spm = loadSentencePiece(file("tokenizer.model"))) return spm;
        }
        return json;
    }
    if (has("vocab.json") && has("merges.txt"))
        return loadVocabMerges(file("vocab.json"), file("merges.txt"));
    if (has("tokenizer.model")) return loadSentencePiece(file("tokenizer.model"));
    if (has("tokenizer.bin")) return loadLlama2cTokenizer(file("tokenizer.bin"), llama2cVocabSize(dir));
    return Error{fmt::format("{}: no tokenizer found (looked for tokenizer.json, vocab.json + merges.txt, "
                             "tokenizer.model, tokenizer.bin)",
                             dir.string())};
}

} // namespace

Result<std::unique_ptr<Tokenizer>> loadTokenizerFromDirectory(const std::string& dir) {
    return catchLoadErrors(dir, [&] { return load(fs::path(dir)); });
}

} // namespace sinkscope

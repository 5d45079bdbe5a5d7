#include "fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace sinkscope::fuzz {

const std::string& scratchDir() {
    static const std::string dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "sinkscope-fuzz-XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        return pattern;
    }();
    static const bool cleanup = [] {
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        });
        return true;
    }();
    (void)cleanup;
    return dir;
}

std::string writeScratchFile(const std::string& name, std::string_view bytes) {
    const std::string path = scratchDir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

void exerciseTokenizer(const Tokenizer& tok) {
    static const char* const texts[] = {
        "Hello, world! 123 <s> </s> <|endoftext|> caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
        "  leading and  double  spaces\n\ttabs\r\n",
        "\xf0\x9f\x98\x80 emoji, 4-byte UTF-8; \xe2\x96\x81 SentencePiece's space symbol",
        "",
        "\xff\xfe not UTF-8",
    };
    for (const char* text : texts) {
        for (const bool addBos : {false, true}) {
            if (auto ids = tok.encode(text, addBos)) (void)tok.decode(*ids);
        }
    }
    (void)tok.decode({-1, 0, 1, 2, 3, tok.vocabSize(), tok.vocabSize() - 1, 0x7fffffff});
    for (std::int32_t id = -1; id < std::min(tok.vocabSize(), 64) + 1; ++id)
        (void)tok.tokenText(id);
    (void)tok.describe();
}

} // namespace sinkscope::fuzz

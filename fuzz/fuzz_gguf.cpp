// libFuzzer target for GGUF input: the reader's validation (GgufFile::parse), the llama mapping
// with its dequantization and weight checks, every readable tensor dequantized, and the embedded
// tokenizer built and run on a short text. Any crash, sanitizer report or leak is a bug; errors
// are the expected outcome for almost every input.
#include "io/gguf_dequant.h"
#include "io/gguf_llama.h"
#include "io/weight_spec.h"
#include "tokenizer/gguf_tokenizer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

using namespace sinkscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = GgufFile::parse(data, size, "fuzz.gguf");
    if (!parsed) return 0;
    const auto file = std::make_shared<const GgufFile>(std::move(parsed.value()));

    if (auto model = loadGgufLlama(file)) (void)validateWeights(model->config, model->weights, "fuzz.gguf");
    for (const auto& t : file->tensors())
        if (ggufCanDequantize(t.type)) (void)dequantizeTensor(t, file->path());

    auto tokenizer = tokenizerFromGguf(*file);
    if (tokenizer && tokenizer.value()) {
        const Tokenizer& tok = *tokenizer.value();
        if (auto ids = tok.encode("Hello, world! 123 <s> caf\xc3\xa9 \xe6\x97\xa5", true))
            (void)tok.decode(*ids);
        for (std::int32_t id = 0; id < std::min(tok.vocabSize(), 64); ++id)
            (void)tok.tokenText(id);
    }
    return 0;
}

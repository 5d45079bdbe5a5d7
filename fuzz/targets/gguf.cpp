// GGUF files: the reader's validation (GgufFile::parse), the llama mapping with its dequantization
// and weight checks, every readable tensor dequantized, and the embedded tokenizer built and run.
#include "fuzz_support.h"
#include "io/gguf_dequant.h"
#include "io/gguf_model.h"
#include "io/weight_spec.h"
#include "targets.h"
#include "tokenizer/gguf_tokenizer.h"

#include <memory>

namespace sinkscope::fuzz {

Outcome gguf(const std::uint8_t* data, std::size_t size) {
    auto parsed = GgufFile::parse(data, size, "model.gguf");
    if (!parsed) return parsed.error().message;
    const auto file = std::make_shared<const GgufFile>(std::move(parsed.value()));

    if (auto model = loadGgufModel(file)) (void)validateWeights(model->config, model->weights, "model.gguf");
    for (const auto& t : file->tensors())
        if (ggufCanDequantize(t.type)) (void)dequantizeTensor(t, file->path());

    auto tokenizer = tokenizerFromGguf(*file);
    if (tokenizer && tokenizer.value()) exerciseTokenizer(*tokenizer.value());
    return std::nullopt;
}

} // namespace sinkscope::fuzz

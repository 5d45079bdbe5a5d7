#include "targets.h"

namespace sinkscope::fuzz {

const std::vector<Target>& targets() {
    static const std::vector<Target> all{
        {"gguf", gguf},
        {"model_config", modelConfig},
        {"safetensors", safetensors},
        {"shard_index", shardIndex},
        {"tokenizer_json", tokenizerJson},
        {"vocab_merges", vocabMerges},
        {"spm_model", spmModel},
        {"llama2c_tokenizer", llama2cTokenizer},
        {"llama2c_checkpoint", llama2cCheckpoint},
        {"spec", spec},
        {"trace_blob", traceBlob},
        {"sweep_spec", sweepSpec},
        {"run_metrics", runMetrics},
        {"image", image},
        {"stored_picture", storedPicture},
        {"train_recipe", trainRecipe},
    };
    return all;
}

EntryPoint entryPoint(std::string_view name) {
    for (const Target& t : targets())
        if (t.name == name) return t.run;
    return nullptr;
}

bool isCleanError(const std::string& message) {
    return !message.empty() && message.size() <= kMaxErrorBytes && message.find('\n') == std::string::npos;
}

} // namespace sinkscope::fuzz

#pragma once
// ModelEntry: one model found on disk, described for a picker without loading its weights:
// what it is, how big it is and whether SinkScope can open it (and why not).
#include "io/model_directory.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinkscope {

enum class ModelSource { Bundled, HfCache, User };

struct ModelEntry {
    std::string name; // "org/name" in the HF cache, else the directory or file name
    ModelSource source = ModelSource::User;
    std::string path;                       // what openModelFiles opens
    std::optional<ModelFormat> format;      // nullopt: no format SinkScope reads (e.g. only a pickle)
    std::string architecture;               // config model_type, GGUF general.architecture or "llama2c";
                                            // empty when unreadable
    std::optional<std::int64_t> parameters; // from the config, when the model is supported
    std::string family;                     // familyName of the parsed config; empty when unreadable
    // What sets the model apart (modelFeatures), a GGUF file's quantisation first: "Q4_K_M",
    // "window 4096 (layers 0-4)", "GQA 32:8". Empty for a plain model or an unreadable one.
    std::vector<std::string> features;
    std::string quantization;      // GGUF: general.file_type's name or the dominant tensor type
    std::uint64_t weightBytes = 0; // weight files on disk (symlinks followed)
    bool supported = false;
    std::string reason;   // why not, when !supported: the error opening it would give
    std::string revision; // HF cache: the snapshot's commit
    std::string note;     // HF cache: how the snapshot was chosen, when refs/main did not decide
};

// Describes the model at `path`: a Hugging Face directory (config.json), a .gguf file or a
// llama2.c .bin. Checks what opening checks (config, tensor names, shapes and types) from
// headers and memory maps only: no weight is read or converted. Never fails: problems become
// supported = false with the reason.
ModelEntry inspectModel(const std::string& path, ModelSource source);

const char* modelSourceId(ModelSource s); // "bundled", "hf-cache", "user"
const char* modelFormatId(ModelFormat f); // "safetensors", "gguf", "llama2c"

} // namespace sinkscope

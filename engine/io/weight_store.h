#pragma once
// WeightStore: every tensor of a checkpoint by name, whatever file(s) it came from. Owns the
// memory maps (safetensors, GGUF) or the converted buffers (llama2.c, dequantized GGUF tensors) that
// the TensorRefs point into.
#include "core/result.h"
#include "io/safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// The weight_map of a model.safetensors.index.json: tensor name -> shard file name (a plain file
// name in the index's directory). indexPath names the file in errors.
Result<std::map<std::string, std::string>> parseShardIndex(std::string_view text,
                                                           const std::string& indexPath);

class WeightStore {
public:
    // One safetensors file, or the shards named by a model.safetensors.index.json.
    static Result<WeightStore> openSafetensors(const std::string& path);
    static Result<WeightStore> openShardIndex(const std::string& indexPath);

    // Adds an owned float32 tensor (used by converters such as the llama2.c reader).
    void addOwned(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> values,
                  const std::string& origin);

    // Adds a tensor whose bytes the store keeps (file bytes rearranged, e.g. rows reordered); ref.data
    // and ref.nbytes are set from `bytes`.
    void addOwnedBytes(TensorRef ref, std::vector<std::uint8_t> bytes);

    // Adds a tensor whose bytes live in memory that `owner` keeps alive (e.g. a memory-mapped GGUF
    // file), so plain F32/F16/BF16 tensors are used in place instead of copied.
    void addView(TensorRef ref, std::shared_ptr<const void> owner);

    // Renames every tensor that starts with prefix (e.g. "transformer." in some GPT-2 exports).
    void stripPrefix(const std::string& prefix);
    // Renames every tensor that starts with `from` to start with `to` instead.
    void renamePrefix(const std::string& from, const std::string& to);
    // Moves the tensors whose names start with one of the prefixes into a store of their own (LLaVA's
    // image half, apart from its language model).
    WeightStore takePrefixes(const std::vector<std::string>& prefixes);

    const TensorRef* find(const std::string& name) const;
    // What keeps the bytes of `name` alive (its memory map or converted buffer), for tensors that
    // outlive the store while pointing into it; null for an unknown name.
    std::shared_ptr<const void> owner(const std::string& name) const;
    // Whether `name` is a converted float32 buffer (addOwned) rather than bytes of a file.
    bool converted(const std::string& name) const;
    std::vector<std::string> names() const;
    std::size_t size() const { return m_index.size(); }

private:
    Status addFile(SafetensorsFile file);
    struct Entry {
        TensorRef ref;
        std::shared_ptr<const void> owner;
        bool converted = false;
    };
    std::map<std::string, Entry> m_index;
};

} // namespace sinkscope

#pragma once
// BpeWordCache: the ids of pre-tokens already encoded. Natural text repeats its words constantly;
// caching per pre-token makes long prompts cheap. Not thread-safe: the owner locks around it.
#include "tokenizer/bpe_model.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace sinkscope {

class BpeWordCache {
public:
    // Appends the ids of piece, from the cache or from model.
    void encode(const BpeModel& model, const std::string& piece, std::vector<std::int32_t>& out) {
        if (piece.size() > kMaxCachedPieceBytes) {
            model.encodeWord(piece, out);
            return;
        }
        if (const auto it = m_cache.find(piece); it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
        std::vector<std::int32_t> ids;
        model.encodeWord(piece, ids);
        out.insert(out.end(), ids.begin(), ids.end());
        if (m_cache.size() >= kMaxCacheEntries) m_cache.clear();
        m_cache.emplace(piece, std::move(ids));
    }

private:
    // Bounds, so that adversarial input (every word different) cannot grow the cache forever.
    static constexpr std::size_t kMaxCachedPieceBytes = 64;
    static constexpr std::size_t kMaxCacheEntries = 1 << 18;
    std::unordered_map<std::string, std::vector<std::int32_t>> m_cache;
};

} // namespace sinkscope

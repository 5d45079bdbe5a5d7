#include "tokenizer/bpe_tokenizer.h"

#include "core/utf8.h"
#include "tokenizer/token_text.h"

#include <fmt/format.h>

namespace sinkscope {

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(ByteLevelBpeParts parts)
    : m_model(std::move(parts.model)), m_preTokenizer(std::move(parts.preTokenizer)),
      m_added(std::move(parts.addedTokens)), m_idBytes(std::move(parts.idBytes)), m_bos(parts.bos),
      m_eos(parts.eos), m_source(std::move(parts.source)) {}

Result<std::vector<std::int32_t>> ByteLevelBpeTokenizer::encode(std::string_view text, bool addBos) const {
    if (Status s = checkInputUtf8(text); !s) return s.error();
    std::vector<std::int32_t> ids;
    if (addBos && m_bos) ids.push_back(*m_bos);
    std::vector<std::string> pieces;
    std::lock_guard lock(m_cacheMutex);
    for (const auto& segment : m_added.split(text)) {
        if (segment.id) {
            ids.push_back(*segment.id);
            continue;
        }
        if (Status s = m_preTokenizer.split(segment.text, pieces); !s) return s.error();
        for (const std::string& piece : pieces)
            m_cache.encode(m_model, piece, ids);
    }
    return ids;
}

std::string ByteLevelBpeTokenizer::decode(const std::vector<std::int32_t>& ids) const {
    std::string bytes;
    for (const std::int32_t id : ids) {
        // Ids outside the vocabulary have no text; skipping them matches tokenizers' decode.
        if (id < 0 || id >= vocabSize() || !m_idBytes[static_cast<std::size_t>(id)]) continue;
        bytes += *m_idBytes[static_cast<std::size_t>(id)];
    }
    return sanitizeUtf8(bytes);
}

std::string ByteLevelBpeTokenizer::tokenText(std::int32_t id) const {
    if (id < 0 || id >= vocabSize() || !m_idBytes[static_cast<std::size_t>(id)]) {
        return fmt::format("<unused id {}>", id);
    }
    return displayBytes(*m_idBytes[static_cast<std::size_t>(id)]);
}

std::string ByteLevelBpeTokenizer::describe() const {
    return fmt::format("byte-level BPE ({}), {} tokens", m_source, vocabSize());
}

} // namespace sinkscope

#include "tokenizer/spm_style_tokenizer.h"

#include "tokenizer/token_text.h"

#include <fmt/format.h>

#include <algorithm>

namespace sinkscope {

namespace {

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81"; // U+2581

std::vector<AddedToken> addedWhere(const std::vector<AddedToken>& tokens, bool normalized) {
    std::vector<AddedToken> out;
    std::copy_if(tokens.begin(), tokens.end(), std::back_inserter(out),
                 [&](const AddedToken& t) { return t.normalized == normalized; });
    return out;
}

std::int32_t vocabSizeOf(const std::unordered_map<std::int32_t, std::string>& pieces) {
    std::int32_t size = 0;
    for (const auto& entry : pieces)
        size = std::max(size, entry.first + 1);
    return size;
}

} // namespace

SpmStyleBpeTokenizer::SpmStyleBpeTokenizer(SpmStyleBpeParts parts)
    : m_model(std::move(parts.model)), m_normalizer(std::move(parts.normalizer)),
      m_preTokenizer(std::move(parts.preTokenizer)), m_decoder(std::move(parts.decoder)),
      m_rawAdded(addedWhere(parts.addedTokens, false)),
      m_normalizedAdded(addedWhere(parts.addedTokens, true)), m_pieces(std::move(parts.pieces)),
      m_vocabSize(vocabSizeOf(m_pieces)), m_bos(parts.bos), m_eos(parts.eos) {}

Result<std::vector<std::int32_t>> SpmStyleBpeTokenizer::encode(std::string_view text, bool addBos) const {
    if (Status s = checkInputUtf8(text); !s) return s.error();
    std::vector<std::int32_t> ids;
    if (addBos && m_bos) ids.push_back(*m_bos);
    std::lock_guard lock(m_cacheMutex);
    for (const auto& segment : m_rawAdded.split(text)) {
        if (segment.id) {
            ids.push_back(*segment.id);
            continue;
        }
        auto normalized = m_normalizer.apply(segment.text);
        if (!normalized) return normalized.error();
        if (Status s = encodeSegment(*normalized, segment.text.data() == text.data(), ids); !s)
            return s.error();
    }
    return ids;
}

Status SpmStyleBpeTokenizer::encodeSegment(std::string_view normalized, bool atTextStart,
                                           std::vector<std::int32_t>& ids) const {
    std::vector<std::string> pieces;
    for (const auto& part : m_normalizedAdded.split(normalized)) {
        if (part.id) {
            ids.push_back(*part.id);
            continue;
        }
        const bool start = atTextStart && part.text.data() == normalized.data();
        if (Status s = m_preTokenizer.split(part.text, pieces, start); !s) return s;
        for (const std::string& piece : pieces)
            m_cache.encode(m_model, piece, ids);
    }
    return okStatus();
}

std::string SpmStyleBpeTokenizer::decode(const std::vector<std::int32_t>& ids) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const std::int32_t id : ids) {
        // Ids without a token have no text; tokenizers' decode skips them too.
        if (const auto it = m_pieces.find(id); it != m_pieces.end()) tokens.push_back(it->second);
    }
    return m_decoder.decode(std::move(tokens));
}

std::string SpmStyleBpeTokenizer::tokenText(std::int32_t id) const {
    const auto it = m_pieces.find(id);
    if (it == m_pieces.end()) return fmt::format("<unused id {}>", id);
    std::string text;
    for (std::size_t i = 0; i < it->second.size();) {
        if (it->second.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
            text += ' ';
            i += kSpaceSymbol.size();
        } else {
            text += it->second[i++];
        }
    }
    return displayBytes(text);
}

std::string SpmStyleBpeTokenizer::describe() const {
    return fmt::format("SentencePiece-style BPE (tokenizer.json), {} tokens", m_vocabSize);
}

} // namespace sinkscope

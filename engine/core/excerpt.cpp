#include "core/excerpt.h"

#include "core/utf8.h"

#include <algorithm>
#include <fmt/format.h>

namespace sinkscope {

namespace {

// How one byte that is not printable text is shown.
std::string escaped(unsigned char b) {
    switch (b) {
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        return fmt::format("\\x{:02x}", b);
    }
}

} // namespace

std::string excerpt(std::string_view text, std::size_t maxBytes) {
    std::string out;
    out.reserve(std::min(text.size(), maxBytes) + 32);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        std::size_t len = validSequenceLength(text, i);
        std::string piece;
        if (len == 0 || b < 0x20 || b == 0x7f) {
            piece = escaped(b);
            len = 1;
        }
        const std::size_t pieceBytes = piece.empty() ? len : piece.size();
        if (out.size() + pieceBytes > maxBytes) break;
        if (piece.empty())
            out.append(text.substr(i, len));
        else
            out += piece;
        i += len;
    }
    if (i < text.size()) out += fmt::format("... ({} bytes)", text.size());
    return out;
}

} // namespace sinkscope

#include "tokenizer/token_text.h"

#include "core/utf8.h"

#include <fmt/format.h>

namespace sinkscope {

Status checkInputUtf8(std::string_view text) {
    if (const auto offset = findInvalidUtf8(text)) {
        return Error{fmt::format("input text is not valid UTF-8 at byte offset {}", *offset)};
    }
    return okStatus();
}

std::string displayBytes(std::string_view bytes) {
    std::string out;
    while (!bytes.empty()) {
        const auto bad = findInvalidUtf8(bytes);
        if (!bad) {
            out.append(bytes);
            break;
        }
        out.append(bytes.substr(0, *bad));
        out += fmt::format("<0x{:02X}>", static_cast<unsigned char>(bytes[*bad]));
        bytes.remove_prefix(*bad + 1);
    }
    return out;
}

} // namespace sinkscope

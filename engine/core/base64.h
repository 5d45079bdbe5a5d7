#pragma once
// Base64 (RFC 4648, standard alphabet, padded) for binary data kept in JSON text: a trace run's
// settings carry the thumbnail of its picture this way. Written here because the one codec the
// engine needs is 40 lines and no Debian library the engine already links offers it.
#include "core/result.h"

#include <string>
#include <string_view>

namespace sinkscope {

std::string base64Encode(std::string_view bytes);
// Errors: a character outside the alphabet, a length that is not a multiple of 4, misplaced padding.
Result<std::string> base64Decode(std::string_view text);

} // namespace sinkscope

#pragma once
// Token ids written by a user: "1,2,3" (spaces allowed). Shared by the CLI (--token-ids,
// --token-ids-file, --sinks) and the GUI's "ids:" prompts.
#include "core/result.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace sinkscope {

// `what` names the source in errors, e.g. "--token-ids: entry 2 ('x') is not a non-negative integer".
Result<std::vector<std::int32_t>> parseTokenIdList(std::string_view text, std::string_view what);

} // namespace sinkscope

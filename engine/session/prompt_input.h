#pragma once
// How a prompt reaches a model, for both front-ends: text through the model's tokenizer (BOS by the
// model's config or by the user's choice), token ids as written ("1,2,3", the CLI's --token-ids and
// the desktop prompt box's "ids: 1, 2, 3"), a prompts file (one per line), intervention SPEC lists,
// and token ids back to text.
#include "core/result.h"
#include "intervene/intervention.h"
#include "model/model.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sinkscope {

// BOS before text prompts: as the model's config says, always, or never.
enum class BosChoice { Auto, Yes, No };
// "auto", "yes" or "no".
Result<BosChoice> parseBosChoice(std::string_view text);

// Text through the model's tokenizer. `what` prefixes errors ("--prompt: ..."); `idsHint` says how
// this front-end takes ids instead, for models without a tokenizer ("--token-ids 1,2,3").
Result<std::vector<std::int32_t>> encodePrompt(const Model& model, const std::string& text, BosChoice bos,
                                               std::string_view what, std::string_view idsHint);

// The desktop prompt box: "ids: 1, 2, 3" as those ids, anything else as text (BOS by the config).
Result<std::vector<std::int32_t>> promptBoxIds(const Model& model, const std::string& box);

// One prompt per non-blank line of `text` (a prompts file's contents), each encoded; errors name
// `what` and the line ("--prompts-file line 3: ..."). Blank text gives an empty list. A line
// "ids: 1, 2, 3" is those token ids as they are (no BOS added), as in the desktop's prompt box:
// the way to give prompts to a model without a tokenizer.
Result<std::vector<std::vector<std::int32_t>>> encodePromptLines(const Model& model, const std::string& text,
                                                                 BosChoice bos, std::string_view what);

// Every SPEC parsed, in order; errors are prefixed with `what` when it is not empty.
Result<Interventions> parseInterventionList(const std::vector<std::string>& specs, std::string_view what);

// One token as the tokenizer shows it, or "<id>" for a model without a tokenizer.
std::string tokenText(const Model& model, std::int32_t id);
// Ids decoded to text, or the ids joined by `separator` for a model without a tokenizer.
std::string decodeIds(const Model& model, const std::vector<std::int32_t>& ids, std::string_view separator);

} // namespace sinkscope

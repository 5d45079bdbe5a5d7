#include "session/prompt_input.h"

#include "core/token_ids.h"

#include <fmt/format.h>
#include <sstream>

namespace sinkscope {

Result<BosChoice> parseBosChoice(std::string_view text) {
    if (text == "auto") return BosChoice::Auto;
    if (text == "yes") return BosChoice::Yes;
    if (text == "no") return BosChoice::No;
    return Error{fmt::format("--bos: \"{}\" is not auto, yes or no", text)};
}

Result<std::vector<std::int32_t>> encodePrompt(const Model& model, const std::string& text, BosChoice bos,
                                               std::string_view what, std::string_view idsHint) {
    if (!model.tokenizer())
        return Error{fmt::format("this model has no tokenizer next to it: give the prompt as {}", idsHint)};
    const bool addBos = bos == BosChoice::Yes || (bos == BosChoice::Auto && model.config().addBos);
    auto ids = model.tokenizer()->encode(text, addBos);
    if (!ids) return Error{fmt::format("{}: {}", what, ids.error().message)};
    return ids;
}

Result<std::vector<std::int32_t>> promptBoxIds(const Model& model, const std::string& box) {
    const auto first = box.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && box.compare(first, 4, "ids:") == 0) {
        const auto last = box.find_last_not_of(" \t\r\n");
        return parseTokenIdList(std::string_view(box).substr(first + 4, last - first - 3), "prompt ids");
    }
    if (!model.tokenizer()) return Error{"this model has no tokenizer: write the prompt as ids: 1, 2, 3"};
    auto enc = model.tokenizer()->encode(box, model.config().addBos);
    if (!enc) return Error{enc.error().message};
    return enc;
}

Result<std::vector<std::vector<std::int32_t>>> encodePromptLines(const Model& model, const std::string& text,
                                                                 BosChoice bos, std::string_view what) {
    std::vector<std::vector<std::int32_t>> out;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = fmt::format("{} line {}", what, n);
        const auto first = line.find_first_not_of(" \t");
        if (line.compare(first, 4, "ids:") == 0) { // token ids as they are, as in the desktop's prompt box
            auto ids = parseTokenIdList(std::string_view(line).substr(first + 4), where);
            if (!ids) return ids.error();
            out.push_back(std::move(ids.value()));
            continue;
        }
        auto ids = encodePrompt(model, line, bos, where, "a line \"ids: 1, 2, 3\"");
        if (!ids) return ids.error();
        out.push_back(std::move(ids.value()));
    }
    return out;
}

Result<Interventions> parseInterventionList(const std::vector<std::string>& specs, std::string_view what) {
    Interventions out;
    for (const auto& s : specs) {
        auto iv = parseIntervention(s);
        if (!iv) return what.empty() ? iv.error() : Error{fmt::format("{}: {}", what, iv.error().message)};
        out.push_back(std::move(iv.value()));
    }
    return out;
}

std::string tokenText(const Model& model, std::int32_t id) {
    return model.tokenizer() ? model.tokenizer()->tokenText(id) : fmt::format("<{}>", id);
}

std::string decodeIds(const Model& model, const std::vector<std::int32_t>& ids, std::string_view separator) {
    return model.tokenizer() ? model.tokenizer()->decode(ids) : fmt::format("{}", fmt::join(ids, separator));
}

} // namespace sinkscope

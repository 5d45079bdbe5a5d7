#include "run_command.h"

#include "cli_common.h"
#include "model/capture.h"
#include "model/model.h"
#include "model/sampler.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace sinkscope::cli {

namespace {

std::string tokenText(const Model& model, std::int32_t id) {
    return model.tokenizer() ? model.tokenizer()->tokenText(id) : fmt::format("<{}>", id);
}

// Escapes control characters so a token like "\n" stays on its line in the table.
std::string printable(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '\n')
            out += "\\n";
        else if (ch == '\t')
            out += "\\t";
        else if (ch == '\r')
            out += "\\r";
        else if (static_cast<unsigned char>(ch) < 0x20)
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(ch));
        else
            out += ch;
    }
    return out;
}

Result<std::vector<std::int32_t>> promptIds(const Model& model, const RunOptions& o) {
    if (!o.tokenIds.empty()) return parseTokenIds(o.tokenIds);
    if (!model.tokenizer())
        return Error{"this model has no tokenizer next to it: give the prompt as --token-ids 1,2,3"};
    auto text = readPromptArgument(o.prompt);
    if (!text) return text.error();
    const bool addBos = o.bos == "yes" || (o.bos == "auto" && model.config().addBos);
    auto ids = model.tokenizer()->encode(*text, addBos);
    if (!ids) return Error{"--prompt: " + ids.error().message};
    return ids;
}

void printHuman(const Model& model, const std::vector<std::int32_t>& ids, const GenerationOutput& gen,
                const std::vector<TokenProb>& top, const std::vector<std::vector<double>>& alpha0) {
    fmt::print("model: {}\ndevice: {}\n", model.describe(), model.deviceName());
    fmt::print("tokens fed to the model ({}):\n", ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        fmt::print("  {:>4}  {:>6}  '{}'\n", i, ids[i], printable(tokenText(model, ids[i])));
    fmt::print("next-token top-{}:\n", top.size());
    for (const auto& t : top)
        fmt::print("  {:>6}  {:7.4f}  '{}'\n", t.id, t.prob, printable(tokenText(model, t.id)));
    if (!gen.generated.empty()) {
        const std::string text = model.tokenizer() ? model.tokenizer()->decode(gen.generated) : "";
        fmt::print("generated ids: {}\n", fmt::join(gen.generated, ","));
        if (model.tokenizer()) fmt::print("generated text: {}\n", text);
        if (gen.stoppedAtEos) fmt::print("(stopped at end-of-sequence)\n");
        if (gen.cancelled) fmt::print("(cancelled)\n");
    }
    fmt::print("alpha_0 (mean attention on the first token, over the prompt), layer x head:\n      ");
    for (std::size_t h = 0; h < (alpha0.empty() ? 0 : alpha0[0].size()); ++h)
        fmt::print(" {:>5}", fmt::format("h{}", h));
    fmt::print("\n");
    for (std::size_t l = 0; l < alpha0.size(); ++l) {
        fmt::print("  {:>4}", fmt::format("L{}", l));
        for (double a : alpha0[l])
            fmt::print(" {:5.3f}", a);
        fmt::print("\n");
    }
}

void printJson(const Model& model, const std::vector<std::int32_t>& ids, const GenerationOutput& gen,
               const std::vector<TokenProb>& top, const std::vector<std::vector<double>>& alpha0) {
    nlohmann::json j;
    j["model"] = model.describe();
    j["device"] = model.deviceName();
    j["token_ids"] = ids;
    auto& tokens = j["tokens"] = nlohmann::json::array();
    for (auto id : ids)
        tokens.push_back(tokenText(model, id));
    auto& topk = j["next_token_topk"] = nlohmann::json::array();
    for (const auto& t : top)
        topk.push_back({{"id", t.id}, {"text", tokenText(model, t.id)}, {"prob", t.prob}});
    j["generated_ids"] = gen.generated;
    j["generated_text"] = model.tokenizer() ? model.tokenizer()->decode(gen.generated) : "";
    j["alpha0"] = alpha0;
    // Tokens may hold bytes that are not UTF-8 on their own; replace rather than fail.
    fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace

CLI::App* addRunCommand(CLI::App& app, RunOptions& o) {
    CLI::App* run =
        app.add_subcommand("run", "Run a prompt through a model and report attention on the first token");
    run->add_option("--model,-m", o.model, "Model directory (config.json + safetensors) or llama2.c .bin")
        ->required();
    auto* prompt = run->add_option("--prompt,-p", o.prompt, "Prompt text, or @file to read it from a file");
    auto* ids = run->add_option("--token-ids", o.tokenIds, "Comma-separated token ids fed as they are");
    prompt->excludes(ids);
    ids->excludes(prompt);
    run->add_option("--bos", o.bos, "Prepend BOS to --prompt: auto (model's config), yes, no")
        ->check(CLI::IsMember({"auto", "yes", "no"}));
    run->add_option("--max-new-tokens,-n", o.maxNewTokens, "Tokens to generate")
        ->check(CLI::Range(0, 100000));
    run->add_option("--temperature", o.temperature, "Sampling temperature; 0 is greedy")
        ->check(CLI::Range(0.0, 100.0));
    run->add_option("--top-k", o.topK, "Sample among the k most probable tokens (0: all)")
        ->check(CLI::NonNegativeNumber);
    run->add_option("--top-p", o.topP, "Nucleus sampling mass (1: off)")->check(CLI::Range(0.0, 1.0));
    run->add_option("--seed", o.seed, "Random seed for sampling");
    run->add_option("--device", o.device, "cpu or cuda (falls back to cpu with a message)");
    run->add_flag("--json", o.json, "Print one JSON object instead of tables");
    return run;
}

int runRunCommand(const RunOptions& o) {
    if (o.prompt.empty() && o.tokenIds.empty()) return fail("run: give --prompt TEXT or --token-ids 1,2,3");
    if (isatty(STDERR_FILENO) && !o.json) std::fprintf(stderr, "loading %s ...\n", o.model.c_str());
    auto model = Model::load(o.model, LoadOptions{o.device});
    if (!model) return fail(model.error().message);
    const Model& m = *model.value();
    for (const auto& n : m.notices())
        std::fprintf(stderr, "note: %s\n", n.c_str());

    auto ids = promptIds(m, o);
    if (!ids) return fail(ids.error().message);
    ColumnImportanceObserver alpha(m.config().nLayers, m.config().nHeads,
                                   static_cast<std::int64_t>(ids->size()));
    GenerationOptions g{o.maxNewTokens, o.temperature, o.topK, o.topP, o.seed, true};
    Progress progress("generating");
    auto gen = m.generate(*ids, g, &alpha, [&](int done, int total) {
        progress.update(done, total);
        return true;
    });
    if (!gen) return fail(gen.error().message);
    const auto top =
        topK(gen->nextTokenLogits.data(), static_cast<std::int64_t>(gen->nextTokenLogits.size()), 10);
    if (o.json)
        printJson(m, *ids, *gen, top, alpha.alpha0());
    else
        printHuman(m, *ids, *gen, top, alpha.alpha0());
    return 0;
}

} // namespace sinkscope::cli

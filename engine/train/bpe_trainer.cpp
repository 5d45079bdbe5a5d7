#include "train/bpe_trainer.h"
#include "core/atomic_file.h"

#include "core/read_file.h"
#include "core/utf8.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pre_tokenizer.h"
#include "train/token_data.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace sinkscope {

namespace {

// Llama-3's split pattern: words with an optional leading non-letter, digits in groups of at most 3.
const char* const kSplitPattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                                  "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

using Pair = std::uint64_t;
Pair makePair(std::int32_t a, std::int32_t b) {
    return (static_cast<Pair>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}
std::int32_t first(Pair p) {
    return static_cast<std::int32_t>(p >> 32);
}
std::int32_t second(Pair p) {
    return static_cast<std::int32_t>(p & 0xffffffffu);
}

struct Word {
    std::vector<std::int32_t> symbols;
    std::int64_t count;
};

Result<std::unordered_map<std::string, std::int64_t>> countWords(const std::string& path) {
    auto read = readWholeFile(path, kTextFile);
    if (!read) return read.error();
    const std::string& text = *read;
    if (auto bad = findInvalidUtf8(text))
        return Error{fmt::format("{}: invalid UTF-8 at byte {}", path, *bad)};
    auto regex = Regex::compile(kSplitPattern, false);
    if (!regex) return regex.error();
    PreTokenizer pre;
    pre.addSplit(SplitStep{std::move(regex.value()), SplitBehavior::Isolated, false});
    pre.setByteLevel(ByteLevelStep{false, std::nullopt});
    std::unordered_map<std::string, std::int64_t> counts;
    std::vector<std::string> pieces;
    // Paragraph by paragraph keeps the piece list small.
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find("\n\n", pos);
        end = end == std::string::npos ? text.size() : end + 2;
        pieces.clear();
        std::string para = text.substr(pos, end - pos);
        // Document separators are not text to learn merges from.
        for (std::size_t sep; (sep = para.find(kDocumentSeparator)) != std::string::npos;)
            para.replace(sep, kDocumentSeparator.size(), 1, '\n');
        if (auto s = pre.split(para, pieces); !s) return s.error();
        for (auto& p : pieces)
            ++counts[p];
        pos = end;
    }
    return counts;
}

} // namespace

Status trainByteLevelBpe(const std::string& textPath, const std::string& outPath, const BpeTrainOptions& o) {
    const int merges = o.vocabSize - 256 - 2;
    if (merges < 0)
        return Error{fmt::format("vocabulary size {} is below 258 (bytes + BOS + EOS)", o.vocabSize)};
    auto counts = countWords(textPath);
    if (!counts) return counts.error();

    std::vector<Word> words;
    words.reserve(counts->size());
    for (const auto& [w, c] : *counts) {
        Word word{{}, c};
        for (unsigned char b : w)
            word.symbols.push_back(b);
        words.push_back(std::move(word));
    }
    // Deterministic order regardless of hash-map iteration.
    std::sort(words.begin(), words.end(), [](const Word& a, const Word& b) { return a.symbols < b.symbols; });

    std::vector<std::string> vocab(256);
    for (int b = 0; b < 256; ++b)
        vocab[static_cast<std::size_t>(b)] = std::string(1, static_cast<char>(b));
    std::unordered_map<Pair, std::int64_t> pairCount;
    std::unordered_map<Pair, std::unordered_set<std::size_t>> where;
    for (std::size_t wi = 0; wi < words.size(); ++wi) {
        const auto& s = words[wi].symbols;
        for (std::size_t i = 0; i + 1 < s.size(); ++i) {
            const Pair p = makePair(s[i], s[i + 1]);
            pairCount[p] += words[wi].count;
            where[p].insert(wi);
        }
    }
    // Max-heap of (count, pair); stale entries are skipped when popped. Ties: smaller pair first.
    using Entry = std::pair<std::int64_t, Pair>;
    auto cmp = [](const Entry& a, const Entry& b) {
        return a.first < b.first || (a.first == b.first && a.second > b.second);
    };
    std::priority_queue<Entry, std::vector<Entry>, decltype(cmp)> heap(cmp);
    for (const auto& [p, c] : pairCount)
        heap.push({c, p});

    std::vector<std::pair<std::int32_t, std::int32_t>> mergeList;
    while (static_cast<int>(mergeList.size()) < merges && !heap.empty()) {
        const auto [c, p] = heap.top();
        heap.pop();
        const auto it = pairCount.find(p);
        if (it == pairCount.end() || it->second != c) continue; // stale
        if (c < o.minPairCount) break;
        const std::int32_t a = first(p), b = second(p), merged = static_cast<std::int32_t>(vocab.size());
        vocab.push_back(vocab[static_cast<std::size_t>(a)] + vocab[static_cast<std::size_t>(b)]);
        mergeList.emplace_back(a, b);
        std::unordered_map<Pair, std::int64_t> delta;
        for (std::size_t wi : where[p]) {
            auto& w = words[wi];
            auto& s = w.symbols;
            bool has = false;
            for (std::size_t i = 0; i + 1 < s.size() && !has; ++i)
                has = s[i] == a && s[i + 1] == b;
            if (!has) continue;
            for (std::size_t i = 0; i + 1 < s.size(); ++i)
                delta[makePair(s[i], s[i + 1])] -= w.count;
            std::vector<std::int32_t> out;
            out.reserve(s.size());
            for (std::size_t i = 0; i < s.size(); ++i) {
                if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
                    out.push_back(merged);
                    ++i;
                } else {
                    out.push_back(s[i]);
                }
            }
            s = std::move(out);
            for (std::size_t i = 0; i + 1 < s.size(); ++i) {
                const Pair q = makePair(s[i], s[i + 1]);
                delta[q] += w.count;
                where[q].insert(wi);
            }
        }
        where.erase(p);
        for (const auto& [q, d] : delta) {
            if (d == 0) continue;
            auto& cnt = pairCount[q];
            cnt += d;
            if (cnt <= 0)
                pairCount.erase(q);
            else
                heap.push({cnt, q});
        }
        if (o.progress && mergeList.size() % 256 == 0) o.progress(static_cast<int>(mergeList.size()), merges);
    }

    using nlohmann::json;
    json vocabJson = json::object();
    for (std::size_t i = 0; i < vocab.size(); ++i)
        vocabJson[bytesToByteLevel(vocab[i])] = i;
    json mergesJson = json::array();
    for (const auto& [a, b] : mergeList)
        mergesJson.push_back({bytesToByteLevel(vocab[static_cast<std::size_t>(a)]),
                              bytesToByteLevel(vocab[static_cast<std::size_t>(b)])});
    const auto bos = static_cast<std::int64_t>(vocab.size()), eos = bos + 1;
    auto special = [](std::int64_t id, const char* s) {
        return json{{"id", id},        {"content", s},        {"single_word", false}, {"lstrip", false},
                    {"rstrip", false}, {"normalized", false}, {"special", true}};
    };
    json byteLevel{
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}};
    json tok{
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", {special(bos, "<s>"), special(eos, "</s>")}},
        {"normalizer", nullptr},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", kSplitPattern}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            byteLevel}}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single",
           {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"pair",
           {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {bos}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder",
         {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", nullptr},
          {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr},
          {"fuse_unk", false},
          {"byte_fallback", false},
          {"ignore_merges", false},
          {"vocab", vocabJson},
          {"merges", mergesJson}}}};
    return writeFileAtomically(outPath, tok.dump(1) + "\n");
}

} // namespace sinkscope

// Parser for `--intervention SPEC`.
//
//   SPEC := NAME [ ":" ARG { "," ARG } ]
//   ARG  := KEY "=" VALUE | ITEM
//           a bare ITEM continues the list of the argument before it, so `sinks=0,7` and
//           `heads=1,3` work; only layers, heads and a sinks list can be continued.
//   LIST := ITEM { ("|" | ",") ITEM }
//   ITEM := N | N "-" M      non-negative decimal integers; N-M is inclusive, N <= M
//
// Names and keys are lowercase and case-sensitive; no spaces anywhere. Numbers are read strictly
// (the whole value, no "+", no hex, no inf or nan except b=-inf). Lists are sorted and made unique.
//
//   suppress      ScaleRenormalize with gamma 0          keys: layers heads sinks thr
//   zerotune      ScaleRenormalize                       keys: gamma layers heads sinks thr
//                 gamma: required, finite, >= 0
//   act           FixedFraction (ACT)                    keys: beta thr include_first layers heads sinks
//                 beta: default 0.4, in [0, 1]; thr: default 0.1, in (0, 1);
//                 include_first: 0 or 1, default 0. Default sinks: auto with threshold thr, the
//                 first detected column skipped unless include_first=1. An explicit sinks= wins.
//   redistribute  Redistribute (VAR)                     keys: p to layers heads sinks thr
//                 p: default 0.6, in [0, 1]; to: required, the receiving span, N-M or N, or
//                 image (the prompt's image tokens, LLaVA models)
//   var           VAR in one spec (LLaVA prompts): redistribute:to=image,heads=span,sinks=visual
//                 keys: p layers heads tau; heads narrows the image-centric heads further
//   sinklogit     SinkLogit, logit level                 keys: b layers heads
//                 b: default 0 (softmax1), a finite number or -inf (plain softmax)
//   stream        StreamingLLM KV cache, whole model     keys: sinks window pos
//                 sinks: a COUNT here, default 4, >= 0; window: default 512, >= 1;
//                 pos: shift (default, positions re-assigned within the cache) or original
//
//   Common keys:
//   layers, heads LIST; absent = all. redistribute also takes heads=span: the span-centric heads
//                 of its target span (mass >= 0.2, ratio >= 0.6 on the prompt pass; methods.md)
//   sinks         first (default except act) | auto (alpha > thr on the prompt pass) |
//                 secondary (cosine-to-BOS rule) | visual (token 0 and the image's visual sink
//                 tokens, per layer: phi >= tau in the sink dimensions; LLaVA prompts) | LIST
//   tau           with sinks=visual: the phi threshold, > 0 (default min(20, sqrt(D) / 2))
//   thr           the auto threshold, in (0, 1), default 0.1
//
// Examples: suppress   zerotune:gamma=4,sinks=0,7,layers=2-5,heads=0|3   act:beta=0.3,thr=0.2
//           redistribute:to=5-9,p=0.5   sinklogit:b=-inf,layers=0   stream:sinks=1,window=255,pos=original
#include "core/excerpt.h"
#include "intervene/intervention.h"
#include "intervene/spec_values.h"

#include <algorithm>
#include <fmt/format.h>
#include <limits>
#include <string>
#include <vector>

namespace sinkscope {

namespace {

struct KindSyntax {
    std::string_view name;
    InterventionKind kind;
    std::vector<std::string_view> keys;
    std::string_view example;
};

const std::vector<KindSyntax>& kinds() {
    static const std::vector<KindSyntax> table{
        {"suppress",
         InterventionKind::ScaleRenormalize,
         {"layers", "heads", "sinks", "thr", "tau"},
         "suppress:layers=2-5"},
        {"zerotune",
         InterventionKind::ScaleRenormalize,
         {"gamma", "layers", "heads", "sinks", "thr", "tau"},
         "zerotune:gamma=4"},
        {"act",
         InterventionKind::FixedFraction,
         {"beta", "thr", "include_first", "layers", "heads", "sinks", "tau"},
         "act:beta=0.4"},
        {"redistribute",
         InterventionKind::Redistribute,
         {"p", "to", "layers", "heads", "sinks", "thr", "tau"},
         "redistribute:to=5-9"},
        {"var", InterventionKind::Redistribute, {"p", "layers", "heads", "tau"}, "var:p=0.6"},
        {"sinklogit", InterventionKind::SinkLogit, {"b", "layers", "heads"}, "sinklogit:b=0"},
        {"stream", InterventionKind::Stream, {"sinks", "window", "pos"}, "stream:sinks=4,window=512"},
    };
    return table;
}

std::string join(const std::vector<std::string_view>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : ", ") + std::string(w);
    return out;
}

std::string kindNames() {
    std::vector<std::string_view> names;
    for (const auto& k : kinds())
        names.push_back(k.name);
    return join(names);
}

constexpr std::int64_t kMaxIndex = std::numeric_limits<int>::max();
constexpr std::int64_t kMaxPosition = std::numeric_limits<std::int64_t>::max();

std::vector<int> toInts(std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return {v.begin(), v.end()};
}

class SpecParser {
public:
    explicit SpecParser(std::string_view spec) : m_spec(spec) {}

    Result<Intervention> parse() {
        if (m_spec.empty()) return fail("empty spec (expected NAME[:KEY=VALUE,...], e.g. zerotune:gamma=4)");
        const auto colon = m_spec.find(':');
        const std::string_view name = m_spec.substr(0, colon);
        if (name.empty())
            return fail(fmt::format("missing the intervention name before \":\" (expected {})", kindNames()));
        for (const auto& k : kinds())
            if (k.name == name) m_kind = &k;
        if (!m_kind)
            return fail(fmt::format("unknown intervention \"{}\" (expected {})", excerpt(name), kindNames()));
        setDefaults();

        if (colon != std::string_view::npos) {
            const std::string_view args = m_spec.substr(colon + 1);
            if (args.empty())
                return fail(
                    fmt::format("nothing after \":\" (expected KEY=VALUE, e.g. {})", m_kind->example));
            std::size_t start = 0;
            while (true) {
                const auto comma = args.find(',', start);
                const auto arg = args.substr(start, comma == std::string_view::npos ? comma : comma - start);
                if (arg.empty())
                    return fail(fmt::format("at column {}: empty argument (a doubled or trailing \",\"?)",
                                            colon + 1 + start + 1));
                if (auto st = argument(arg); !st) return st.error();
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
        }
        if (auto st = finish(); !st) return st.error();
        return m_iv;
    }

private:
    Error fail(const std::string& message) const {
        return Error{fmt::format("intervention \"{}\": {}", excerpt(m_spec), message)};
    }
    Error failAt(std::string_view arg, const std::string& message) const {
        return fail(fmt::format("at \"{}\": {}", excerpt(arg), message));
    }

    bool has(std::string_view key) const {
        return std::find(m_seen.begin(), m_seen.end(), key) != m_seen.end();
    }

    void setDefaults() {
        m_iv.kind = m_kind->kind;
        if (m_iv.kind == InterventionKind::FixedFraction) m_iv.sinks.kind = SinkSetKind::Auto;
        if (m_kind->name == "var") {
            m_iv.sinks.kind = SinkSetKind::Visual;
            m_iv.imageTarget = true;
            m_iv.spanHeads = true;
        }
    }

    Status argument(std::string_view arg) {
        const auto eq = arg.find('=');
        if (eq == std::string_view::npos) return bareItem(arg);
        const std::string_view key = arg.substr(0, eq), value = arg.substr(eq + 1);
        if (key.empty()) return failAt(arg, "missing the key before \"=\"");
        if (std::find(m_kind->keys.begin(), m_kind->keys.end(), key) == m_kind->keys.end())
            return failAt(arg, fmt::format("unknown key \"{}\" ({} takes {})", excerpt(key), m_kind->name,
                                           join(m_kind->keys)));
        if (has(key)) return failAt(arg, fmt::format("duplicate key \"{}\"", key));
        if (value.empty()) return failAt(arg, fmt::format("empty value for \"{}\"", key));
        m_seen.push_back(key);
        m_list = nullptr;
        m_lastArg = arg;
        if (auto st = keyValue(key, value); !st) return failAt(arg, st.error().message);
        return okStatus();
    }

    Status bareItem(std::string_view arg) {
        if (!m_list) {
            if (m_lastArg.empty())
                return failAt(arg, fmt::format("expected KEY=VALUE (e.g. {})", m_kind->example));
            return failAt(arg,
                          fmt::format("expected KEY=VALUE: a bare item only continues a list (layers, heads "
                                      "or a sinks list), not \"{}\"",
                                      excerpt(m_lastArg)));
        }
        if (!arg.empty() && arg.front() >= 'a' && arg.front() <= 'z')
            return failAt(arg, "expected KEY=VALUE or a list item (a missing \"=\"?)");
        if (auto st = detail::appendItems(arg, m_listMax, *m_list); !st)
            return failAt(arg, st.error().message);
        return okStatus();
    }

    Status keyValue(std::string_view key, std::string_view value) {
        if (key == "gamma") return real(value, m_iv.gamma, 0.0, kInf, "gamma must be >= 0");
        if (key == "beta") return real(value, m_iv.beta, 0.0, 1.0, "beta must be in [0, 1]");
        if (key == "p") return real(value, m_iv.fraction, 0.0, 1.0, "p must be in [0, 1]");
        if (key == "thr") {
            double thr = 0.0;
            if (auto st = real(value, thr, 0.0, 1.0, "thr must be in (0, 1)", true); !st) return st;
            m_iv.sinks.threshold = thr;
            return okStatus();
        }
        if (key == "include_first") {
            if (value != "0" && value != "1")
                return Error{fmt::format("include_first must be 0 or 1 (got \"{}\")", excerpt(value))};
            m_includeFirst = value == "1";
            return okStatus();
        }
        if (key == "tau") return real(value, m_iv.sinks.tau, 0.0, kInf, "tau must be > 0", true);
        if (key == "to") {
            if (value == "image") {
                m_iv.imageTarget = true;
                return okStatus();
            }
            auto span = detail::parseItem(value, kMaxPosition);
            if (!span) return span.error();
            m_iv.target = TokenSpan{span->first, span->last};
            return okStatus();
        }
        if (key == "b") {
            if (value == "-inf") {
                m_iv.sinkLogit = -kInf;
                return okStatus();
            }
            auto b = detail::parseReal(value);
            if (!b) return Error{b.error().message + " (b is a finite number or -inf)"};
            m_iv.sinkLogit = *b;
            return okStatus();
        }
        if (key == "layers") return list(value, m_layers, kMaxIndex);
        if (key == "heads") {
            if (value == "span") {
                // VAR's recipe in one spec: only the heads that attend to the target span.
                if (m_iv.kind != InterventionKind::Redistribute)
                    return Error{"heads=span needs a target span: it goes with redistribute:...,to=A-B"};
                m_iv.spanHeads = true;
                return okStatus();
            }
            return list(value, m_heads, kMaxIndex);
        }
        if (key == "window") {
            auto w = detail::parseCount(value, kMaxIndex);
            if (!w) return w.error();
            if (*w < 1) return Error{"window must be >= 1"};
            m_iv.streamWindow = static_cast<int>(*w);
            return okStatus();
        }
        if (key == "pos") {
            if (value != "shift" && value != "original")
                return Error{fmt::format("pos must be shift or original (got \"{}\")", excerpt(value))};
            m_iv.positionShift = value == "shift";
            return okStatus();
        }
        return sinks(value); // the only key left
    }

    Status sinks(std::string_view value) {
        if (m_iv.kind == InterventionKind::Stream) {
            auto n = detail::parseCount(value, kMaxIndex);
            if (!n) return Error{n.error().message + " (stream's sinks is a count)"};
            m_iv.streamSinks = static_cast<int>(*n);
            return okStatus();
        }
        if (value == "first") {
            m_iv.sinks.kind = SinkSetKind::First;
        } else if (value == "auto") {
            m_iv.sinks.kind = SinkSetKind::Auto;
        } else if (value == "secondary") {
            m_iv.sinks.kind = SinkSetKind::Secondary;
        } else if (value == "visual") {
            m_iv.sinks.kind = SinkSetKind::Visual;
        } else {
            if (value.front() >= 'a' && value.front() <= 'z')
                return Error{
                    fmt::format("sinks is first, auto, secondary, visual or a list of positions (got "
                                "\"{}\")",
                                excerpt(value))};
            m_iv.sinks.kind = SinkSetKind::Explicit;
            return list(value, m_positions, kMaxPosition);
        }
        return okStatus();
    }

    Status list(std::string_view value, std::vector<std::int64_t>& out, std::int64_t maxValue) {
        if (auto st = detail::appendItems(value, maxValue, out); !st) return st;
        m_list = &out;
        m_listMax = maxValue;
        return okStatus();
    }

    static Status real(std::string_view value, double& out, double lo, double hi, std::string_view rangeText,
                       bool openInterval = false) {
        auto v = detail::parseReal(value);
        if (!v) return v.error();
        const bool inside = openInterval ? (*v > lo && *v < hi) : (*v >= lo && *v <= hi);
        if (!inside) return Error{fmt::format("{} (got {})", rangeText, excerpt(value))};
        out = *v;
        return okStatus();
    }

    Status finish() {
        if (m_kind->name == "zerotune" && !has("gamma"))
            return fail(fmt::format("gamma is required (e.g. {})", m_kind->example));
        if (has("tau") && m_iv.sinks.kind != SinkSetKind::Visual)
            return fail("tau goes with sinks=visual (the phi threshold of the visual sink tokens)");
        if (m_iv.kind == InterventionKind::Redistribute && !has("to") && !m_iv.imageTarget)
            return fail(fmt::format("to is required: the span that receives the freed mass (e.g. {})",
                                    m_kind->example));
        // ACT's convention: detection skips the first detected column (usually token 0) unless asked.
        if (m_iv.kind == InterventionKind::FixedFraction) m_iv.sinks.skipFirstDetected = !m_includeFirst;
        m_iv.layers.values = toInts(std::move(m_layers));
        m_iv.heads.values = toInts(std::move(m_heads));
        std::sort(m_positions.begin(), m_positions.end());
        m_positions.erase(std::unique(m_positions.begin(), m_positions.end()), m_positions.end());
        m_iv.sinks.positions = std::move(m_positions);
        m_iv.spec = std::string(m_spec);
        return okStatus();
    }

    static constexpr double kInf = std::numeric_limits<double>::infinity();

    std::string_view m_spec;
    const KindSyntax* m_kind = nullptr;
    Intervention m_iv;
    std::vector<std::string_view> m_seen;
    std::vector<std::int64_t> m_layers, m_heads, m_positions;
    bool m_includeFirst = false;
    std::string_view m_lastArg;                  // the last KEY=VALUE, for messages
    std::vector<std::int64_t>* m_list = nullptr; // the list a bare item continues, if any
    std::int64_t m_listMax = 0;
};

} // namespace

Result<Intervention> parseIntervention(std::string_view spec) {
    return SpecParser(spec).parse();
}

} // namespace sinkscope

// The `--intervention SPEC` grammar (engine/intervene/spec_parser.cpp): every accepted form and
// every error, plus validation against a model's shape and the one-line descriptions.
#include "intervene/intervention.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <string>

using namespace sinkscope;

namespace {

Intervention parsed(std::string_view spec) {
    auto r = parseIntervention(spec);
    EXPECT_TRUE(r.ok()) << spec << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Intervention{};
}

std::string errorOf(std::string_view spec) {
    auto r = parseIntervention(spec);
    EXPECT_FALSE(r.ok()) << spec << " was accepted";
    return r.ok() ? std::string() : r.error().message;
}

bool mentions(const std::string& message, std::string_view part) {
    return message.find(part) != std::string::npos;
}

using Positions = std::vector<std::int64_t>;
using Ints = std::vector<int>;

// ---------------------------------------------------------------- accepted forms

TEST(InterventionSpec, SuppressDefaults) {
    const auto iv = parsed("suppress");
    EXPECT_EQ(iv.kind, InterventionKind::ScaleRenormalize);
    EXPECT_EQ(iv.gamma, 0.0);
    EXPECT_EQ(iv.sinks.kind, SinkSetKind::First);
    EXPECT_TRUE(iv.layers.all());
    EXPECT_TRUE(iv.heads.all());
    EXPECT_EQ(iv.spec, "suppress");
}

TEST(InterventionSpec, ZeroTuningWithListsContinuedByBareItems) {
    const auto iv = parsed("zerotune:gamma=4,sinks=7,0,layers=2-5,heads=3|0");
    EXPECT_EQ(iv.kind, InterventionKind::ScaleRenormalize);
    EXPECT_EQ(iv.gamma, 4.0);
    EXPECT_EQ(iv.sinks.kind, SinkSetKind::Explicit);
    EXPECT_EQ(iv.sinks.positions, (Positions{0, 7}));
    EXPECT_EQ(iv.layers.values, (Ints{2, 3, 4, 5}));
    EXPECT_EQ(iv.heads.values, (Ints{0, 3}));
    EXPECT_EQ(iv.spec, "zerotune:gamma=4,sinks=7,0,layers=2-5,heads=3|0");
}

TEST(InterventionSpec, ListsMixSeparatorsRangesAndDuplicates) {
    const auto iv = parsed("suppress:heads=5,1-2|2,0-0,layers=3,sinks=4|1-2,1");
    EXPECT_EQ(iv.heads.values, (Ints{0, 1, 2, 5}));
    EXPECT_EQ(iv.layers.values, (Ints{3}));
    EXPECT_EQ(iv.sinks.positions, (Positions{1, 2, 4}));
}

TEST(InterventionSpec, ZeroTuningNumberForms) {
    EXPECT_EQ(parsed("zerotune:gamma=0.5").gamma, 0.5);
    EXPECT_EQ(parsed("zerotune:gamma=0").gamma, 0.0);
    EXPECT_EQ(parsed("zerotune:gamma=.25").gamma, 0.25);
    EXPECT_EQ(parsed("zerotune:gamma=2.").gamma, 2.0);
    EXPECT_EQ(parsed("zerotune:gamma=1e1").gamma, 10.0);
    EXPECT_EQ(parsed("zerotune:gamma=1E+1").gamma, 10.0);
}

TEST(InterventionSpec, SinkSetKinds) {
    EXPECT_EQ(parsed("suppress:sinks=first").sinks.kind, SinkSetKind::First);
    EXPECT_EQ(parsed("suppress:sinks=secondary").sinks.kind, SinkSetKind::Secondary);
    const auto a = parsed("zerotune:gamma=2,sinks=auto,thr=0.25");
    EXPECT_EQ(a.sinks.kind, SinkSetKind::Auto);
    EXPECT_EQ(a.sinks.threshold, 0.25);
    EXPECT_FALSE(a.sinks.skipFirstDetected); // ACT's convention only
    const auto d = parsed("suppress:sinks=auto");
    EXPECT_EQ(d.sinks.threshold, 0.1);
    EXPECT_FALSE(d.sinks.skipFirstDetected);
}

TEST(InterventionSpec, ActDefaults) {
    const auto iv = parsed("act");
    EXPECT_EQ(iv.kind, InterventionKind::FixedFraction);
    EXPECT_EQ(iv.beta, 0.4);
    EXPECT_EQ(iv.sinks.kind, SinkSetKind::Auto);
    EXPECT_EQ(iv.sinks.threshold, 0.1);
    EXPECT_TRUE(iv.sinks.skipFirstDetected);
}

TEST(InterventionSpec, ActKeys) {
    const auto iv = parsed("act:beta=0.3,thr=0.2,include_first=1,layers=1,heads=0,2");
    EXPECT_EQ(iv.beta, 0.3);
    EXPECT_EQ(iv.sinks.kind, SinkSetKind::Auto);
    EXPECT_EQ(iv.sinks.threshold, 0.2);
    EXPECT_FALSE(iv.sinks.skipFirstDetected);
    EXPECT_EQ(iv.layers.values, (Ints{1}));
    EXPECT_EQ(iv.heads.values, (Ints{0, 2}));

    EXPECT_TRUE(parsed("act:include_first=0").sinks.skipFirstDetected);
    EXPECT_EQ(parsed("act:beta=0").beta, 0.0);
    EXPECT_EQ(parsed("act:beta=1").beta, 1.0);
}

TEST(InterventionSpec, ActExplicitSinksWin) {
    const auto list = parsed("act:sinks=0,3,thr=0.3");
    EXPECT_EQ(list.sinks.kind, SinkSetKind::Explicit);
    EXPECT_EQ(list.sinks.positions, (Positions{0, 3}));
    EXPECT_EQ(parsed("act:sinks=first").sinks.kind, SinkSetKind::First);

    const auto a = parsed("act:sinks=auto,thr=0.3");
    EXPECT_EQ(a.sinks.kind, SinkSetKind::Auto);
    EXPECT_EQ(a.sinks.threshold, 0.3);
    EXPECT_TRUE(a.sinks.skipFirstDetected);
    EXPECT_FALSE(parsed("act:include_first=1,sinks=auto").sinks.skipFirstDetected);
}

TEST(InterventionSpec, Redistribute) {
    const auto iv = parsed("redistribute:to=5-9");
    EXPECT_EQ(iv.kind, InterventionKind::Redistribute);
    EXPECT_EQ(iv.fraction, 0.6);
    EXPECT_EQ(iv.target.first, 5);
    EXPECT_EQ(iv.target.last, 9);
    EXPECT_EQ(iv.sinks.kind, SinkSetKind::First);

    const auto one = parsed("redistribute:p=0.5,to=3,sinks=0|1,thr=0.2,layers=0,heads=1");
    EXPECT_EQ(one.fraction, 0.5);
    EXPECT_EQ(one.target.first, 3);
    EXPECT_EQ(one.target.last, 3);
    EXPECT_EQ(one.sinks.positions, (Positions{0, 1}));
}

TEST(InterventionSpec, SinkLogit) {
    const auto iv = parsed("sinklogit");
    EXPECT_EQ(iv.kind, InterventionKind::SinkLogit);
    EXPECT_EQ(iv.sinkLogit, 0.0);
    EXPECT_EQ(parsed("sinklogit:b=-1.5,layers=0-1,heads=2").sinkLogit, -1.5);
    const double b = parsed("sinklogit:b=-inf").sinkLogit;
    EXPECT_TRUE(std::isinf(b) && b < 0);
}

TEST(InterventionSpec, Stream) {
    const auto iv = parsed("stream");
    EXPECT_EQ(iv.kind, InterventionKind::Stream);
    EXPECT_EQ(iv.streamSinks, 4);
    EXPECT_EQ(iv.streamWindow, 512);
    EXPECT_TRUE(iv.positionShift);

    const auto w = parsed("stream:sinks=0,window=255,pos=original");
    EXPECT_EQ(w.streamSinks, 0);
    EXPECT_EQ(w.streamWindow, 255);
    EXPECT_FALSE(w.positionShift);
    EXPECT_TRUE(parsed("stream:pos=shift").positionShift);
    EXPECT_EQ(parsed("stream:window=1").streamWindow, 1);
}

TEST(InterventionSpec, AppliesTo) {
    const auto iv = parsed("suppress:layers=1|3,heads=0");
    EXPECT_TRUE(iv.appliesTo(1, 0));
    EXPECT_TRUE(iv.appliesTo(3, 0));
    EXPECT_FALSE(iv.appliesTo(2, 0));
    EXPECT_FALSE(iv.appliesTo(1, 1));
    EXPECT_TRUE(parsed("suppress").appliesTo(17, 9));

    IndexSet unsorted{{5, 2}}; // built in code, not by the parser
    EXPECT_TRUE(unsorted.contains(2));
    EXPECT_TRUE(unsorted.contains(5));
    EXPECT_FALSE(unsorted.contains(3));
}

// ---------------------------------------------------------------- errors

TEST(InterventionSpec, EmptyAndUnknownNames) {
    EXPECT_EQ(errorOf(""),
              "intervention \"\": empty spec (expected NAME[:KEY=VALUE,...], e.g. zerotune:gamma=4)");
    EXPECT_EQ(errorOf("foo"),
              "intervention \"foo\": unknown intervention \"foo\" (expected suppress, zerotune, act, "
              "redistribute, var, sinklogit, stream)");
    EXPECT_EQ(
        errorOf("ZeroTune:gamma=4"),
        "intervention \"ZeroTune:gamma=4\": unknown intervention \"ZeroTune\" (expected suppress, zerotune, "
        "act, redistribute, var, sinklogit, stream)");
    EXPECT_EQ(errorOf(":gamma=4"),
              "intervention \":gamma=4\": missing the intervention name before \":\" "
              "(expected suppress, zerotune, act, redistribute, var, sinklogit, stream)");
    EXPECT_TRUE(mentions(errorOf(" suppress"), "unknown intervention \" suppress\""));
}

TEST(InterventionSpec, EmptyArguments) {
    EXPECT_EQ(errorOf("zerotune:"),
              "intervention \"zerotune:\": nothing after \":\" (expected KEY=VALUE, e.g. zerotune:gamma=4)");
    EXPECT_EQ(
        errorOf("zerotune:gamma=4,"),
        "intervention \"zerotune:gamma=4,\": at column 18: empty argument (a doubled or trailing \",\"?)");
    EXPECT_EQ(errorOf("zerotune:gamma=4,,layers=1"),
              "intervention \"zerotune:gamma=4,,layers=1\": at column 18: empty argument (a doubled or "
              "trailing \",\"?)");
    EXPECT_EQ(
        errorOf("zerotune:,gamma=4"),
        "intervention \"zerotune:,gamma=4\": at column 10: empty argument (a doubled or trailing \",\"?)");
}

TEST(InterventionSpec, UnknownKeys) {
    EXPECT_EQ(errorOf("zerotune:gama=4"),
              "intervention \"zerotune:gama=4\": at \"gama=4\": unknown key \"gama\" "
              "(zerotune takes gamma, layers, heads, sinks, thr, tau)");
    EXPECT_EQ(errorOf("suppress:gamma=4"),
              "intervention \"suppress:gamma=4\": at \"gamma=4\": unknown key \"gamma\" "
              "(suppress takes layers, heads, sinks, thr, tau)");
    EXPECT_EQ(errorOf("sinklogit:sinks=0"), "intervention \"sinklogit:sinks=0\": at \"sinks=0\": unknown key "
                                            "\"sinks\" (sinklogit takes b, layers, heads)");
    EXPECT_EQ(errorOf("stream:layers=1"), "intervention \"stream:layers=1\": at \"layers=1\": unknown key "
                                          "\"layers\" (stream takes sinks, window, pos)");
    EXPECT_EQ(errorOf("act:gamma=1"), "intervention \"act:gamma=1\": at \"gamma=1\": unknown key \"gamma\" "
                                      "(act takes beta, thr, include_first, layers, heads, sinks, tau)");
    EXPECT_EQ(errorOf("redistribute:to=1,beta=1"),
              "intervention \"redistribute:to=1,beta=1\": at \"beta=1\": unknown key \"beta\" "
              "(redistribute takes p, to, layers, heads, sinks, thr, tau)");
    EXPECT_TRUE(mentions(errorOf("zerotune:Gamma=4"), "unknown key \"Gamma\""));
}

TEST(InterventionSpec, MalformedArguments) {
    EXPECT_EQ(errorOf("zerotune:gamma=4,=3"),
              "intervention \"zerotune:gamma=4,=3\": at \"=3\": missing the key before \"=\"");
    EXPECT_EQ(errorOf("zerotune:gamma="),
              "intervention \"zerotune:gamma=\": at \"gamma=\": empty value for \"gamma\"");
    EXPECT_EQ(errorOf("zerotune:gamma=4,gamma=2"),
              "intervention \"zerotune:gamma=4,gamma=2\": at \"gamma=2\": duplicate key \"gamma\"");
    EXPECT_EQ(errorOf("suppress:layers=1,layers=2"),
              "intervention \"suppress:layers=1,layers=2\": at \"layers=2\": duplicate key \"layers\"");
    EXPECT_EQ(errorOf("zerotune:gamma=4=5"),
              "intervention \"zerotune:gamma=4=5\": at \"gamma=4=5\": \"4=5\" is not a finite number");
}

TEST(InterventionSpec, BareItems) {
    EXPECT_EQ(errorOf("suppress:3"), "intervention \"suppress:3\": at \"3\": expected KEY=VALUE (e.g. "
                                     "suppress:layers=2-5)");
    EXPECT_EQ(
        errorOf("zerotune:gamma=4,5"),
        "intervention \"zerotune:gamma=4,5\": at \"5\": expected KEY=VALUE: a bare item only continues a "
        "list (layers, heads or a sinks list), not \"gamma=4\"");
    EXPECT_EQ(
        errorOf("suppress:sinks=first,3"),
        "intervention \"suppress:sinks=first,3\": at \"3\": expected KEY=VALUE: a bare item only continues a "
        "list (layers, heads or a sinks list), not \"sinks=first\"");
    EXPECT_EQ(
        errorOf("stream:sinks=4,8"),
        "intervention \"stream:sinks=4,8\": at \"8\": expected KEY=VALUE: a bare item only continues a list "
        "(layers, heads or a sinks list), not \"sinks=4\"");
    EXPECT_EQ(
        errorOf("redistribute:to=3-5,7"),
        "intervention \"redistribute:to=3-5,7\": at \"7\": expected KEY=VALUE: a bare item only continues a "
        "list (layers, heads or a sinks list), not \"to=3-5\"");
    EXPECT_EQ(errorOf("zerotune:layers=1,gamma"), "intervention \"zerotune:layers=1,gamma\": at \"gamma\": "
                                                  "expected KEY=VALUE or a list item (a missing "
                                                  "\"=\"?)");
    EXPECT_EQ(errorOf("suppress:heads=1,x"),
              "intervention \"suppress:heads=1,x\": at \"x\": expected KEY=VALUE or a "
              "list item (a missing \"=\"?)");
    EXPECT_EQ(
        errorOf("suppress:heads=1,5-2"),
        "intervention \"suppress:heads=1,5-2\": at \"5-2\": bad range \"5-2\": the first end must not exceed "
        "the second");
}

TEST(InterventionSpec, RequiredKeys) {
    EXPECT_EQ(errorOf("zerotune"), "intervention \"zerotune\": gamma is required (e.g. zerotune:gamma=4)");
    EXPECT_EQ(errorOf("zerotune:layers=1"),
              "intervention \"zerotune:layers=1\": gamma is required (e.g. zerotune:gamma=4)");
    EXPECT_EQ(errorOf("redistribute:p=0.5"),
              "intervention \"redistribute:p=0.5\": to is required: the span that "
              "receives the freed mass (e.g. redistribute:to=5-9)");
}

TEST(InterventionSpec, NumberErrors) {
    EXPECT_EQ(errorOf("zerotune:gamma=-1"),
              "intervention \"zerotune:gamma=-1\": at \"gamma=-1\": gamma must be "
              ">= 0 (got -1)");
    EXPECT_EQ(errorOf("zerotune:gamma=abc"),
              "intervention \"zerotune:gamma=abc\": at \"gamma=abc\": \"abc\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma=4x"),
              "intervention \"zerotune:gamma=4x\": at \"gamma=4x\": \"4x\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma=inf"),
              "intervention \"zerotune:gamma=inf\": at \"gamma=inf\": \"inf\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma=nan"),
              "intervention \"zerotune:gamma=nan\": at \"gamma=nan\": \"nan\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma=+4"),
              "intervention \"zerotune:gamma=+4\": at \"gamma=+4\": \"+4\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma=0x10"),
              "intervention \"zerotune:gamma=0x10\": at \"gamma=0x10\": \"0x10\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma= 4"),
              "intervention \"zerotune:gamma= 4\": at \"gamma= 4\": \" 4\" is not a finite number");
    EXPECT_EQ(errorOf("zerotune:gamma=1e999"),
              "intervention \"zerotune:gamma=1e999\": at \"gamma=1e999\": 1e999 is out of range");
    EXPECT_EQ(errorOf("act:beta=1.5"),
              "intervention \"act:beta=1.5\": at \"beta=1.5\": beta must be in [0, 1] "
              "(got 1.5)");
    EXPECT_EQ(errorOf("act:beta=-0.1"),
              "intervention \"act:beta=-0.1\": at \"beta=-0.1\": beta must be in [0, 1] "
              "(got -0.1)");
    EXPECT_EQ(errorOf("act:thr=0"),
              "intervention \"act:thr=0\": at \"thr=0\": thr must be in (0, 1) (got 0)");
    EXPECT_EQ(errorOf("act:thr=1"),
              "intervention \"act:thr=1\": at \"thr=1\": thr must be in (0, 1) (got 1)");
    EXPECT_TRUE(mentions(errorOf("suppress:sinks=auto,thr=2"), "thr must be in (0, 1) (got 2)"));
    EXPECT_EQ(
        errorOf("act:include_first=yes"),
        "intervention \"act:include_first=yes\": at \"include_first=yes\": include_first must be 0 or 1 "
        "(got \"yes\")");
    EXPECT_EQ(errorOf("redistribute:to=1,p=2"),
              "intervention \"redistribute:to=1,p=2\": at \"p=2\": p must be in [0, 1] (got 2)");
    EXPECT_EQ(errorOf("sinklogit:b=inf"),
              "intervention \"sinklogit:b=inf\": at \"b=inf\": \"inf\" is not a finite "
              "number (b is a finite number or -inf)");
    EXPECT_TRUE(mentions(errorOf("sinklogit:b=-Inf"), "\"-Inf\" is not a finite number"));
    EXPECT_TRUE(mentions(errorOf("sinklogit:b=nan"), "\"nan\" is not a finite number"));
}

TEST(InterventionSpec, ListAndSpanErrors) {
    EXPECT_EQ(
        errorOf("suppress:layers=5-2"),
        "intervention \"suppress:layers=5-2\": at \"layers=5-2\": bad range \"5-2\": the first end must not "
        "exceed the second");
    EXPECT_EQ(
        errorOf("suppress:layers=-1"),
        "intervention \"suppress:layers=-1\": at \"layers=-1\": \"-1\" is negative (indices and counts start "
        "at 0)");
    EXPECT_EQ(errorOf("suppress:layers=1-"),
              "intervention \"suppress:layers=1-\": at \"layers=1-\": the range \"1-\" has no end");
    EXPECT_EQ(errorOf("suppress:layers=1-2-3"),
              "intervention \"suppress:layers=1-2-3\": at \"layers=1-2-3\": \"2-3\" is not a whole number");
    EXPECT_EQ(errorOf("suppress:layers=1||2"), "intervention \"suppress:layers=1||2\": at \"layers=1||2\": "
                                               "an empty list item (a doubled or trailing "
                                               "\"|\"?)");
    EXPECT_EQ(errorOf("suppress:heads=1|"), "intervention \"suppress:heads=1|\": at \"heads=1|\": an empty "
                                            "list item (a doubled or trailing \"|\"?)");
    EXPECT_EQ(errorOf("suppress:heads=1.5"),
              "intervention \"suppress:heads=1.5\": at \"heads=1.5\": \"1.5\" is not a whole number");
    EXPECT_EQ(errorOf("suppress:heads=+1"),
              "intervention \"suppress:heads=+1\": at \"heads=+1\": \"+1\" is not a whole number");
    EXPECT_EQ(
        errorOf("suppress:heads=2147483648"),
        "intervention \"suppress:heads=2147483648\": at \"heads=2147483648\": 2147483648 is too large (at "
        "most 2147483647)");
    EXPECT_EQ(errorOf("suppress:sinks=99999999999999999999"),
              "intervention \"suppress:sinks=99999999999999999999\": at \"sinks=99999999999999999999\": "
              "99999999999999999999 is too large (at most 9223372036854775807)");
    EXPECT_EQ(
        errorOf("suppress:sinks=0-4000000000"),
        "intervention \"suppress:sinks=0-4000000000\": at \"sinks=0-4000000000\": the list names more than "
        "65536 entries");
    EXPECT_EQ(
        errorOf("suppress:sinks=0-40000,40001-80000"),
        "intervention \"suppress:sinks=0-40000,40001-80000\": at \"40001-80000\": the list names more than "
        "65536 entries");
    EXPECT_EQ(errorOf("suppress:sinks=everything"),
              "intervention \"suppress:sinks=everything\": at "
              "\"sinks=everything\": sinks is first, auto, secondary, visual "
              "or a list of positions (got \"everything\")");
    EXPECT_EQ(errorOf("redistribute:to=9-5"), "intervention \"redistribute:to=9-5\": at \"to=9-5\": bad "
                                              "range \"9-5\": the first end must not exceed "
                                              "the second");
    EXPECT_EQ(errorOf("redistribute:to=a"),
              "intervention \"redistribute:to=a\": at \"to=a\": \"a\" is not a whole "
              "number");
}

TEST(InterventionSpec, StreamErrors) {
    EXPECT_EQ(errorOf("stream:window=0"),
              "intervention \"stream:window=0\": at \"window=0\": window must be >= 1");
    EXPECT_EQ(errorOf("stream:sinks=-1"),
              "intervention \"stream:sinks=-1\": at \"sinks=-1\": \"-1\" is negative "
              "(indices and counts start at 0) (stream's sinks is a count)");
    EXPECT_EQ(errorOf("stream:sinks=first"),
              "intervention \"stream:sinks=first\": at \"sinks=first\": \"first\" is "
              "not a whole number (stream's sinks is a count)");
    EXPECT_EQ(errorOf("stream:pos=rope"),
              "intervention \"stream:pos=rope\": at \"pos=rope\": pos must be shift or "
              "original (got \"rope\")");
}

// ---------------------------------------------------------------- validation

TEST(InterventionSpec, ValidateAgainstTheModelShape) {
    EXPECT_TRUE(validateIntervention(parsed("suppress:layers=5,heads=7"), 6, 8).ok());
    EXPECT_TRUE(validateIntervention(parsed("suppress"), 6, 8).ok());

    auto layer = validateIntervention(parsed("suppress:layers=7"), 6, 8);
    ASSERT_FALSE(layer.ok());
    EXPECT_EQ(layer.error().message,
              "intervention \"suppress:layers=7\": layer 7 is out of range (the model has 6 layers, 0-5)");

    auto head = validateIntervention(parsed("zerotune:gamma=2,heads=1,8"), 6, 8);
    ASSERT_FALSE(head.ok());
    EXPECT_EQ(
        head.error().message,
        "intervention \"zerotune:gamma=2,heads=1,8\": head 8 is out of range (the model has 8 heads, 0-7)");

    auto single = validateIntervention(parsed("act:layers=1"), 1, 1);
    ASSERT_FALSE(single.ok());
    EXPECT_EQ(single.error().message,
              "intervention \"act:layers=1\": layer 1 is out of range (the model has 1 layer, 0)");

    // A cache policy for the whole model: no layers to check.
    EXPECT_TRUE(validateIntervention(parsed("stream:sinks=1,window=8"), 2, 2).ok());
}

TEST(InterventionSpec, ValidateInterventionsBuiltInCode) {
    Intervention iv; // no spec: messages use the description instead
    iv.gamma = -1.0;
    auto gamma = validateIntervention(iv, 4, 4);
    ASSERT_FALSE(gamma.ok());
    EXPECT_EQ(gamma.error().message,
              "intervention \"ZeroTuning gamma -1 on sinks {0}, all layers, all heads\": "
              "gamma must be a finite number >= 0 (got -1)");

    iv.gamma = 2.0;
    iv.heads.values = {4};
    auto head = validateIntervention(iv, 4, 4);
    ASSERT_FALSE(head.ok());
    EXPECT_EQ(head.error().message,
              "intervention \"ZeroTuning gamma 2 on sinks {0}, all layers, head 4\": head 4 "
              "is out of range (the model has 4 heads, 0-3)");

    Intervention act;
    act.kind = InterventionKind::FixedFraction;
    act.beta = 1.5;
    EXPECT_FALSE(validateIntervention(act, 4, 4).ok());
    act.beta = 0.5;
    act.sinks.kind = SinkSetKind::Auto;
    act.sinks.threshold = 0.0;
    EXPECT_FALSE(validateIntervention(act, 4, 4).ok());
    act.sinks.kind = SinkSetKind::Explicit;
    act.sinks.positions = {-2};
    auto negative = validateIntervention(act, 4, 4);
    ASSERT_FALSE(negative.ok());
    EXPECT_TRUE(mentions(negative.error().message, "sink position -2 is negative"));

    Intervention var;
    var.kind = InterventionKind::Redistribute; // target left empty
    EXPECT_FALSE(validateIntervention(var, 4, 4).ok());
    var.target = TokenSpan{2, 3};
    EXPECT_TRUE(validateIntervention(var, 4, 4).ok());
    var.fraction = -0.5;
    EXPECT_FALSE(validateIntervention(var, 4, 4).ok());

    Intervention logit;
    logit.kind = InterventionKind::SinkLogit;
    logit.sinkLogit = std::numeric_limits<double>::quiet_NaN();
    EXPECT_FALSE(validateIntervention(logit, 4, 4).ok());
    logit.sinkLogit = -std::numeric_limits<double>::infinity();
    EXPECT_TRUE(validateIntervention(logit, 4, 4).ok());

    Intervention stream;
    stream.kind = InterventionKind::Stream;
    stream.streamWindow = 0;
    EXPECT_FALSE(validateIntervention(stream, 4, 4).ok());
    stream.streamWindow = 16;
    stream.streamSinks = -1;
    EXPECT_FALSE(validateIntervention(stream, 4, 4).ok());
}

// ---------------------------------------------------------------- descriptions

TEST(InterventionSpec, Descriptions) {
    EXPECT_EQ(describeIntervention(parsed("suppress")), "suppress sinks {0}, all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("zerotune:gamma=4,sinks=0,7,layers=2-5,heads=0|3")),
              "ZeroTuning gamma 4 on sinks {0,7}, layers 2-5, heads 0,3");
    EXPECT_EQ(describeIntervention(parsed("zerotune:gamma=0.5,sinks=0-3|9,layers=1,heads=4-5")),
              "ZeroTuning gamma 0.5 on sinks {0-3,9}, layer 1, heads 4,5");
    EXPECT_EQ(describeIntervention(parsed("act")),
              "ACT beta 0.4 on auto sinks (alpha > 0.1, first detected skipped), all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("act:include_first=1,thr=0.2,beta=0.3")),
              "ACT beta 0.3 on auto sinks (alpha > 0.2), all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("suppress:sinks=secondary")),
              "suppress primary and secondary sinks (cosine to BOS), all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("redistribute:to=5-9")),
              "VAR: p 0.6 of the mass of sinks {0} moved to tokens 5-9, all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("redistribute:to=5,p=0.5")),
              "VAR: p 0.5 of the mass of sinks {0} moved to token 5, all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("sinklogit")), "sink logit b 0 (softmax1), all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("sinklogit:b=-inf,layers=0")),
              "sink logit b -inf (plain softmax), layer 0, all heads");
    EXPECT_EQ(describeIntervention(parsed("sinklogit:b=1.5")), "sink logit b 1.5, all layers, all heads");
    EXPECT_EQ(describeIntervention(parsed("stream:window=64")),
              "StreamingLLM cache: 4 sinks + 64 recent, positions shifted within the cache");
    EXPECT_EQ(describeIntervention(parsed("stream:sinks=0,window=255,pos=original")),
              "StreamingLLM cache: 0 sinks + 255 recent (window only), original positions kept");
}

} // namespace

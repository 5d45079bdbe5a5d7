#include "trace/timeline_file.h"

#include "core/atomic_file.h"
#include "core/read_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sinkscope {

namespace {

using nlohmann::json;

json pointToJson(const TimelinePoint& p) {
    json j{{"step", p.step},        {"tokens", p.tokens},        {"train_loss", p.trainLoss},
           {"val_loss", p.valLoss}, {"probe_loss", p.probeLoss}, {"sink_rate", p.sinkRate},
           {"alpha0", p.alpha0}};
    if (p.streamPplWindow && p.streamPplSinks) {
        j["stream_ppl_window"] = *p.streamPplWindow;
        j["stream_ppl_sinks"] = *p.streamPplSinks;
        j["stream_ratio"] = *p.streamPplWindow / *p.streamPplSinks;
    }
    if (p.suppressionKl) j["suppression_kl"] = *p.suppressionKl;
    return j;
}

std::vector<TimelinePoint> parseTimeline(const json& j) {
    std::vector<TimelinePoint> out;
    for (const auto& p : j.at("points")) {
        TimelinePoint t;
        t.step = p.at("step");
        t.tokens = p.at("tokens");
        t.trainLoss = p.at("train_loss");
        t.valLoss = p.at("val_loss");
        t.probeLoss = p.value("probe_loss", 0.0);
        t.sinkRate = p.at("sink_rate");
        t.alpha0 = p.at("alpha0").get<std::vector<std::vector<double>>>();
        // Measured only in runs with a held-out text, and only by newer trainers.
        if (p.contains("stream_ppl_window") && p.contains("stream_ppl_sinks")) {
            t.streamPplWindow = p.at("stream_ppl_window").get<double>();
            t.streamPplSinks = p.at("stream_ppl_sinks").get<double>();
        }
        if (p.contains("suppression_kl")) t.suppressionKl = p.at("suppression_kl").get<double>();
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace

std::string timelineFileText(const std::vector<TimelinePoint>& points, const nlohmann::json& about) {
    json list = json::array();
    for (const auto& p : points)
        list.push_back(pointToJson(p));
    json j = about.is_object() ? about : json::object();
    j["points"] = std::move(list);
    return j.dump(1) + "\n";
}

std::string timelinePointsJson(const std::vector<TimelinePoint>& points) {
    return timelineFileText(points, json::object());
}

Status writeTimelineFile(const std::string& runDir, const std::vector<TimelinePoint>& points,
                         const nlohmann::json& about) {
    return writeFileAtomically(runDir + "/" + kTimelineFileName, timelineFileText(points, about));
}

Result<std::vector<TimelinePoint>> readTimeline(const std::string& runDir) {
    auto text = readWholeFile(runDir + "/" + kTimelineFileName, kTimelineFile);
    if (!text) return text.error();
    try {
        return parseTimeline(json::parse(*text));
    } catch (const json::exception& e) {
        return Error{fmt::format("{}/{}: {}", runDir, kTimelineFileName, e.what())};
    }
}

} // namespace sinkscope

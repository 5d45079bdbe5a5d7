// TraceStore's training timelines: the sink timeline of a training run, one row a checkpoint,
// kept beside the runs so that one file holds both a model's training history and its traces.
#include "core/excerpt.h"
#include "trace/trace_blobs.h"
#include "trace/trace_query.h"
#include "trace/trace_store_impl.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

using namespace trace;

Error corruptPoint(const std::string& path, const std::string& name, std::int64_t step,
                   const std::string& what) {
    return Error{
        fmt::format("{}: the file is corrupt (timeline '{}', step {}: {})", path, excerpt(name), step, what)};
}

} // namespace

Status TraceStore::writeTimeline(const std::string& name, const std::vector<TimelinePoint>& points) {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Status {
        if (name.empty()) return Error{fmt::format("{}: a timeline needs a name", path)};
        if (auto s = m_impl->writable(fmt::format("write timeline '{}'", name)); !s) return s;
        if (m_impl->writing->load())
            return Error{
                fmt::format("{}: cannot write timeline '{}' while a run is being written", path, name)};
        // Checked before the transaction: a bad point leaves the file as it was.
        for (const auto& p : points) {
            const auto heads = p.alpha0.empty() ? 0 : p.alpha0.front().size();
            for (const auto& row : p.alpha0)
                if (row.size() != heads)
                    return Error{
                        fmt::format("{}: timeline '{}', step {}: the alpha0 map is ragged ({} and {} "
                                    "heads)",
                                    path, name, p.step, heads, row.size())};
        }
        auto txn = Transaction::begin(db);
        if (!txn) return txn.error();
        // A resumed run evaluates its last checkpoint again: the newer evaluation replaces it.
        auto st =
            Stmt::prepare(db, "INSERT OR REPLACE INTO timeline_points(timeline, step, tokens, train_loss, "
                              "val_loss, probe_loss, sink_rate, layers, heads, alpha0) "
                              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        if (!st) return st.error();
        for (const auto& p : points) {
            std::vector<double> flat;
            for (const auto& row : p.alpha0)
                flat.insert(flat.end(), row.begin(), row.end());
            const auto blob = packDoubles(flat);
            st->bindText(1, name);
            st->bind(2, p.step);
            st->bind(3, p.tokens);
            st->bindReal(4, p.trainLoss);
            st->bindReal(5, p.valLoss);
            st->bindReal(6, p.probeLoss);
            st->bindReal(7, p.sinkRate);
            st->bind(8, static_cast<std::int64_t>(p.alpha0.size()));
            st->bind(9, static_cast<std::int64_t>(p.alpha0.empty() ? 0 : p.alpha0.front().size()));
            st->bindBlob(10, blob.data(), blob.size());
            if (auto s = st->run("writing a timeline"); !s) return s;
            st->reset();
        }
        st = Stmt();
        return txn->commit();
    });
}

Result<std::vector<TimelineSummary>> TraceStore::listTimelines() const {
    const Db& db = m_impl->db;
    return guarded(m_impl->path, [&]() -> Result<std::vector<TimelineSummary>> {
        // The last point of each timeline: the row with the largest step (SQLite takes the bare
        // columns from the row max() picked).
        auto st = Stmt::prepare(db, "SELECT timeline, count(*), max(step), tokens, val_loss, sink_rate "
                                    "FROM timeline_points GROUP BY timeline ORDER BY timeline");
        if (!st) return st.error();
        std::vector<TimelineSummary> out;
        for (;;) {
            auto row = st->step("listing timelines");
            if (!row) return row.error();
            if (!*row) break;
            auto& t = out.emplace_back();
            t.name = st->text(0);
            t.points = st->int64(1);
            t.lastStep = st->int64(2);
            t.lastTokens = st->int64(3);
            t.lastValLoss = st->real(4);
            t.lastSinkRate = st->real(5);
        }
        return out;
    });
}

Result<std::vector<TimelinePoint>> TraceStore::loadTimeline(const std::string& name) const {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Result<std::vector<TimelinePoint>> {
        auto st =
            Stmt::prepare(db, "SELECT step, tokens, train_loss, val_loss, probe_loss, sink_rate, layers, "
                              "heads, alpha0 FROM timeline_points WHERE timeline = ?1 ORDER BY step");
        if (!st) return st.error();
        st->bindText(1, name);
        std::vector<TimelinePoint> out;
        for (;;) {
            auto row = st->step("loading a timeline");
            if (!row) return row.error();
            if (!*row) break;
            auto& p = out.emplace_back();
            p.step = st->int64(0);
            p.tokens = st->int64(1);
            p.trainLoss = st->real(2);
            p.valLoss = st->real(3);
            p.probeLoss = st->real(4);
            p.sinkRate = st->real(5);
            const auto layers = st->int64(6), heads = st->int64(7);
            std::vector<double> flat;
            if (layers < 0 || heads < 0 || !unpackDoubles(st->blob(8), flat) ||
                static_cast<std::int64_t>(flat.size()) != layers * heads)
                return corruptPoint(
                    path, name, p.step,
                    fmt::format("the alpha0 blob does not hold {} x {} values", layers, heads));
            p.alpha0.resize(static_cast<std::size_t>(layers));
            for (std::int64_t l = 0; l < layers; ++l)
                p.alpha0[static_cast<std::size_t>(l)].assign(flat.begin() + l * heads,
                                                             flat.begin() + (l + 1) * heads);
        }
        if (out.empty()) {
            st = Stmt();
            auto known = listTimelines();
            if (!known) return known.error();
            std::string names;
            for (const auto& t : *known)
                names += (names.empty() ? "'" : ", '") + t.name + "'";
            return Error{fmt::format("{}: holds no timeline '{}' ({})", path, excerpt(name),
                                     names.empty() ? "it holds no timelines" : "it holds " + excerpt(names))};
        }
        return out;
    });
}

Status TraceStore::deleteTimeline(const std::string& name) {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Status {
        if (auto s = m_impl->writable(fmt::format("delete timeline '{}'", name)); !s) return s;
        if (m_impl->writing->load())
            return Error{
                fmt::format("{}: cannot delete timeline '{}' while a run is being written", path, name)};
        auto st = Stmt::prepare(db, "DELETE FROM timeline_points WHERE timeline = ?1");
        if (!st) return st.error();
        st->bindText(1, name);
        if (auto s = st->run("deleting a timeline"); !s) return s;
        if (sqlite3_changes(db.get()) == 0)
            return Error{fmt::format("{}: holds no timeline '{}'", path, excerpt(name))};
        return okStatus();
    });
}

} // namespace sinkscope

// TraceStore's reads, deletion and maintenance.
#include "trace/map_codec.h"
#include "trace/trace_blobs.h"
#include "trace/trace_query.h"
#include "trace/trace_store_impl.h"

#include <fmt/format.h>
#include <unordered_map>

namespace sinkscope {

namespace trace {

namespace {

// PRAGMA integrity_check or quick_check, its findings as one line.
Status pageCheck(const Db& db, const char* pragma) {
    auto st = Stmt::prepare(db, pragma);
    if (!st) return st.error();
    // A row may hold several findings, one a line, the first under a "*** in database main ***"
    // heading: one finding a line makes the count and keeps the error on one line.
    std::vector<std::string> problems;
    for (;;) {
        auto row = st->step("checking the file");
        if (!row) return row.error();
        if (!*row) break;
        const auto text = st->text(0);
        if (text == "ok") continue;
        std::size_t start = 0;
        while (start <= text.size()) {
            auto end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            auto line = text.substr(start, end - start);
            if (!line.empty() && line.rfind("***", 0) != 0) problems.push_back(std::move(line));
            start = end + 1;
        }
    }
    if (problems.empty()) return okStatus();
    return Error{fmt::format("{}: the file is corrupt ({}; {} problem{})", db.path(), problems.front(),
                             problems.size(), problems.size() == 1 ? "" : "s")};
}

} // namespace

Status quickCheckDb(const Db& db) {
    return pageCheck(db, "PRAGMA quick_check");
}

Status requireRun(const Db& db, std::int64_t id) {
    auto st = Stmt::prepare(db, "SELECT 1 FROM runs WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, id);
    auto row = st->step("reading the runs");
    if (!row) return row.error();
    if (!*row) return Error{fmt::format("{}: run {} does not exist", db.path(), id)};
    return okStatus();
}

} // namespace trace

namespace {

using namespace trace;

// A LIKE pattern matching s anywhere, with LIKE's wildcards in s taken literally.
std::string containsPattern(const std::string& s) {
    std::string p = "%";
    for (char c : s) {
        if (c == '%' || c == '_' || c == '\\') p += '\\';
        p += c;
    }
    return p + "%";
}

Error corrupt(const std::string& path, std::int64_t id, const std::string& what) {
    return Error{fmt::format("{}: the file is corrupt (run {}: {})", path, id, what)};
}

} // namespace

Result<std::vector<RunSummary>> TraceStore::listRuns(const RunFilter& filter) const {
    const Db& db = m_impl->db;
    return guarded(m_impl->path, [&]() -> Result<std::vector<RunSummary>> {
        auto st = Stmt::prepare(
            db,
            "SELECT id, group_id, created_at, label, model_path, prompt_text, token_count, generated_count, "
            "stored_bytes FROM runs "
            "WHERE (?1 = '' OR model_path LIKE ?2 ESCAPE '\\') "
            "AND (?3 = '' OR prompt_text LIKE ?4 ESCAPE '\\') "
            "AND (?5 = '' OR EXISTS (SELECT 1 FROM run_interventions i WHERE i.run_id = runs.id "
            "AND i.spec LIKE ?6 ESCAPE '\\')) ORDER BY id");
        if (!st) return st.error();
        const std::string patterns[3] = {containsPattern(filter.model), containsPattern(filter.prompt),
                                         containsPattern(filter.intervention)};
        st->bindText(1, filter.model);
        st->bindText(2, patterns[0]);
        st->bindText(3, filter.prompt);
        st->bindText(4, patterns[1]);
        st->bindText(5, filter.intervention);
        st->bindText(6, patterns[2]);
        std::vector<RunSummary> runs;
        std::unordered_map<std::int64_t, std::size_t> index;
        for (;;) {
            auto row = st->step("listing runs");
            if (!row) return row.error();
            if (!*row) break;
            RunSummary& r = runs.emplace_back();
            r.id = st->int64(0);
            r.group = st->int64(1);
            r.createdAt = st->text(2);
            r.label = st->text(3);
            r.modelPath = st->text(4);
            r.promptText = st->text(5);
            r.tokens = st->int64(6);
            r.generated = st->int64(7);
            r.storedBytes = st->int64(8);
            index[r.id] = runs.size() - 1;
        }
        if (runs.empty()) return runs;
        auto iv = Stmt::prepare(db, "SELECT run_id, spec FROM run_interventions ORDER BY run_id, position");
        if (!iv) return iv.error();
        for (;;) {
            auto row = iv->step("listing runs");
            if (!row) return row.error();
            if (!*row) break;
            if (auto it = index.find(iv->int64(0)); it != index.end())
                runs[it->second].interventions.push_back(iv->text(1));
        }
        return runs;
    });
}

Result<RunRecord> TraceStore::loadRun(std::int64_t id) const {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Result<RunRecord> {
        auto st = Stmt::prepare(
            db, "SELECT r.created_at, r.label, r.group_id, r.model_path, r.architecture, r.config_hash, "
                "r.parameters, r.layers, r.heads, r.prompt_text, d.run_id, d.settings_json, d.metrics_json, "
                "d.generated_text, d.token_ids, d.tokens, d.top_k, d.generated_ids "
                "FROM runs r LEFT JOIN run_data d ON d.run_id = r.id WHERE r.id = ?1");
        if (!st) return st.error();
        st->bind(1, id);
        auto row = st->step("loading a run");
        if (!row) return row.error();
        if (!*row) return Error{fmt::format("{}: run {} does not exist", path, id)};
        if (st->isNull(10)) return corrupt(path, id, "its data row is missing");
        RunRecord r;
        r.id = id;
        r.createdAt = st->text(0);
        r.label = st->text(1);
        r.group = st->int64(2);
        r.model.path = st->text(3);
        r.model.architecture = st->text(4);
        r.model.configHash = st->text(5);
        r.model.parameters = st->int64(6);
        r.layers = static_cast<int>(st->int64(7));
        r.heads = static_cast<int>(st->int64(8));
        r.promptText = st->text(9);
        r.settingsJson = st->text(11);
        r.metricsJson = st->text(12);
        const auto gen = st->blob(13);
        r.generatedText.assign(reinterpret_cast<const char*>(gen.data()), gen.size());
        if (!unpackIds(st->blob(14), r.tokenIds)) return corrupt(path, id, "token ids do not parse");
        if (!unpackStrings(st->blob(15), r.tokens)) return corrupt(path, id, "token strings do not parse");
        if (!unpackTopK(st->blob(16), r.topK)) return corrupt(path, id, "top-k lists do not parse");
        if (!unpackIds(st->blob(17), r.generatedIds)) return corrupt(path, id, "generated ids do not parse");
        st = Stmt();

        auto iv = Stmt::prepare(db, "SELECT spec FROM run_interventions WHERE run_id = ?1 ORDER BY position");
        if (!iv) return iv.error();
        iv->bind(1, id);
        for (;;) {
            row = iv->step("loading a run");
            if (!row) return row.error();
            if (!*row) break;
            r.interventions.push_back(iv->text(0));
        }
        return r;
    });
}

Result<AttentionMap> TraceStore::loadMap(std::int64_t id, int step, int layer, int head, MapKind kind) const {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Result<AttentionMap> {
        const auto where =
            fmt::format("run {}: {} (step {}, layer {}, head {})", id, mapKindName(kind), step, layer, head);
        auto st = Stmt::prepare(db, "SELECT data FROM maps WHERE run_id = ?1 AND kind = ?2 AND step = ?3 AND "
                                    "layer = ?4 AND head = ?5");
        if (!st) return st.error();
        st->bind(1, id);
        st->bind(2, kind == MapKind::Scores ? 1 : 0);
        st->bind(3, step);
        st->bind(4, layer);
        st->bind(5, head);
        auto row = st->step("loading a map");
        if (!row) return row.error();
        if (!*row) {
            if (auto s = requireRun(db, id); !s) return s.error();
            // Say what the run does hold, so a wrong index is easy to spot.
            auto have =
                Stmt::prepare(db, "SELECT count(*), min(step), max(step), min(layer), max(layer), min(head), "
                                  "max(head) FROM maps "
                                  "WHERE run_id = ?1 AND kind = ?2");
            if (!have) return have.error();
            have->bind(1, id);
            have->bind(2, kind == MapKind::Scores ? 1 : 0);
            auto r = have->step("loading a map");
            if (!r) return r.error();
            if (have->int64(0) == 0)
                return Error{
                    fmt::format("{}: {} is not stored (the run has no {}s)", path, where, mapKindName(kind))};
            // A trace may keep some layers and heads only (--capture-layers / --capture-heads).
            return Error{fmt::format("{}: {} is not stored (the run has {} {}s: steps {}-{}, layers {}-{}, "
                                     "heads {}-{})",
                                     path, where, have->int64(0), mapKindName(kind), have->int64(1),
                                     have->int64(2), have->int64(3), have->int64(4), have->int64(5),
                                     have->int64(6))};
        }
        const auto blob = st->blob(0);
        auto map = decodeMap(blob.data(), blob.size());
        if (!map)
            return Error{fmt::format("{}: the file is corrupt ({}: {})", path, where, map.error().message)};
        if (map->step != step || map->layer != layer || map->head != head || map->kind != kind)
            return Error{
                fmt::format("{}: the file is corrupt ({}: the blob holds step {}, layer {}, head {})", path,
                            where, map->step, map->layer, map->head)};
        return map;
    });
}

Result<std::vector<NormSeries>> TraceStore::loadNorms(std::int64_t id) const {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Result<std::vector<NormSeries>> {
        if (auto s = requireRun(db, id); !s) return s.error();
        auto st =
            Stmt::prepare(db, "SELECT kind, layer, head, first_token, data FROM norms WHERE run_id = ?1 "
                              "ORDER BY id");
        if (!st) return st.error();
        st->bind(1, id);
        std::vector<NormSeries> out;
        for (;;) {
            auto row = st->step("loading norms");
            if (!row) return row.error();
            if (!*row) break;
            NormSeries& n = out.emplace_back();
            const auto kind = st->int64(0);
            if (kind < 0 || kind > 2) return corrupt(path, id, fmt::format("norm kind {}", kind));
            n.kind = static_cast<NormKind>(kind);
            n.layer = static_cast<int>(st->int64(1));
            n.head = static_cast<int>(st->int64(2));
            n.firstToken = st->int64(3);
            if (!unpackFloats(st->blob(4), n.values))
                return corrupt(path, id, "a norm series does not parse");
        }
        return out;
    });
}

Result<std::vector<std::array<int, 3>>> TraceStore::listMaps(std::int64_t id, MapKind kind) const {
    const Db& db = m_impl->db;
    return guarded(m_impl->path, [&]() -> Result<std::vector<std::array<int, 3>>> {
        if (auto s = requireRun(db, id); !s) return s.error();
        auto st = Stmt::prepare(db, "SELECT step, layer, head FROM maps WHERE run_id = ?1 AND kind = ?2 "
                                    "ORDER BY step, layer, head");
        if (!st) return st.error();
        st->bind(1, id);
        st->bind(2, kind == MapKind::Scores ? 1 : 0);
        std::vector<std::array<int, 3>> out;
        for (;;) {
            auto row = st->step("listing maps");
            if (!row) return row.error();
            if (!*row) break;
            out.push_back({static_cast<int>(st->int64(0)), static_cast<int>(st->int64(1)),
                           static_cast<int>(st->int64(2))});
        }
        return out;
    });
}

Status TraceStore::deleteRun(std::int64_t id) {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Status {
        if (auto s = m_impl->writable(fmt::format("delete run {}", id)); !s) return s;
        if (m_impl->writing->load())
            return Error{fmt::format("{}: cannot delete run {} while a run is being written", path, id)};
        auto st = Stmt::prepare(db, "DELETE FROM runs WHERE id = ?1");
        if (!st) return st.error();
        st->bind(1, id);
        // One statement is one transaction; foreign keys cascade to the run's data, maps and norms.
        if (auto s = st->run("deleting a run"); !s) return s;
        if (sqlite3_changes(db.get()) == 0) return Error{fmt::format("{}: run {} does not exist", path, id)};
        return okStatus();
    });
}

Status TraceStore::vacuum() {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Status {
        if (auto s = m_impl->writable("vacuum"); !s) return s;
        if (m_impl->writing->load())
            return Error{fmt::format("{}: cannot vacuum while a run is being written", path)};
        if (auto s = db.exec("VACUUM", "vacuuming"); !s) return s;
        // VACUUM in WAL mode writes the compacted file into the WAL; checkpointing moves it into
        // the main file, which then shrinks, and empties the WAL.
        return db.exec("PRAGMA wal_checkpoint(TRUNCATE)", "vacuuming");
    });
}

Status TraceStore::quickCheck() const {
    return guarded(m_impl->path, [&]() -> Status { return quickCheckDb(m_impl->db); });
}

Status TraceStore::checkIntegrity() const {
    const Db& db = m_impl->db;
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Status {
        if (auto s = pageCheck(db, "PRAGMA integrity_check"); !s) return s;
        auto fk = Stmt::prepare(db, "PRAGMA foreign_key_check");
        if (!fk) return fk.error();
        auto row = fk->step("checking integrity");
        if (!row) return row.error();
        if (*row)
            return Error{fmt::format("{}: the file is corrupt (table {} row {} refers to a missing run)",
                                     path, fk->text(0), fk->int64(1))};
        return okStatus();
    });
}

} // namespace sinkscope

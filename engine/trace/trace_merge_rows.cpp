// Merging trace files, row by row: run identity (hash, then an exact comparison) and copying.
#include "trace/trace_merge_rows.h"

#include "core/excerpt.h"

#include <cstring>
#include <fmt/format.h>
#include <map>
#include <string_view>

namespace sinkscope::trace {

namespace {

// One table's rows of a run. The select lists the columns in the order the insert takes them;
// the first `identity` of them make the run's identity (created_at comes after them), and the
// insert takes the new run id after the selected columns.
struct ContentQuery {
    const char* select;
    int identity;
    const char* insert;
};

// ORDER BY gives both files' rows in the same order: maps by key, norms in the order written
// (which loadNorms keeps).
constexpr std::array<ContentQuery, 5> kContentQueries = {{
    {"SELECT model_path, architecture, config_hash, parameters, layers, heads, token_count, "
     "generated_count, prompt_text, label, stored_bytes, created_at FROM runs WHERE id = ?1",
     11,
     "INSERT INTO runs(model_path, architecture, config_hash, parameters, layers, heads, token_count, "
     "generated_count, prompt_text, label, stored_bytes, created_at, group_id) "
     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"},
    {"SELECT settings_json, metrics_json, generated_text, token_ids, tokens, top_k, generated_ids FROM "
     "run_data WHERE run_id = ?1",
     7,
     "INSERT INTO run_data(settings_json, metrics_json, generated_text, token_ids, tokens, top_k, "
     "generated_ids, run_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    {"SELECT position, spec FROM run_interventions WHERE run_id = ?1 ORDER BY position", 2,
     "INSERT INTO run_interventions(position, spec, run_id) VALUES(?1, ?2, ?3)"},
    {"SELECT kind, step, layer, head, first_row, rows, cols, dtype, data FROM maps WHERE run_id = ?1 "
     "ORDER BY kind, step, layer, head",
     9,
     "INSERT INTO maps(kind, step, layer, head, first_row, rows, cols, dtype, data, run_id) "
     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {"SELECT kind, layer, head, first_token, data FROM norms WHERE run_id = ?1 ORDER BY id", 5,
     "INSERT INTO norms(kind, layer, head, first_token, data, run_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
}};

// The blobs' lengths come from their headers: the hash reads no map or norm data.
constexpr std::array<const char*, 2> kSizeQueries = {
    "SELECT count(*), coalesce(sum(length(data)), 0) FROM maps WHERE run_id = ?1",
    "SELECT count(*), coalesce(sum(length(data)), 0) FROM norms WHERE run_id = ?1",
};

constexpr const char* kTimelineColumns =
    "timeline, step, tokens, train_loss, val_loss, probe_loss, sink_rate, layers, heads, alpha0";
constexpr int kTimelineColumnCount = 10;

// FNV-1a, 64 bits: a hash table key only, sameGroup has the last word.
struct Fnv {
    std::uint64_t h = 0xcbf29ce484222325ull;
    void add(const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) {
            h ^= p[i];
            h *= 0x100000001b3ull;
        }
    }
    void add(std::uint64_t v) { add(&v, sizeof v); }
};

// Feeds a column's type and value: 1 and "1" and x'31' hash apart, as they compare.
void hashValue(Fnv& f, sqlite3_stmt* st, int col) {
    const int type = sqlite3_column_type(st, col);
    f.add(static_cast<std::uint64_t>(type));
    switch (type) {
    case SQLITE_INTEGER:
        f.add(static_cast<std::uint64_t>(sqlite3_column_int64(st, col)));
        break;
    case SQLITE_FLOAT: {
        const double d = sqlite3_column_double(st, col);
        std::uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        f.add(bits);
        break;
    }
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
        const void* p = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_column_text(st, col))
                                            : sqlite3_column_blob(st, col);
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st, col));
        f.add(static_cast<std::uint64_t>(n));
        if (n) f.add(p, n);
        break;
    }
    default:
        break;
    }
}

// Same type and the same value bit for bit (a NaN equals itself, 0.0 differs from -0.0).
bool sameValue(sqlite3_stmt* a, int ca, sqlite3_stmt* b, int cb) {
    const int type = sqlite3_column_type(a, ca);
    if (type != sqlite3_column_type(b, cb)) return false;
    switch (type) {
    case SQLITE_INTEGER:
        return sqlite3_column_int64(a, ca) == sqlite3_column_int64(b, cb);
    case SQLITE_FLOAT: {
        const double x = sqlite3_column_double(a, ca), y = sqlite3_column_double(b, cb);
        return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
        const bool text = type == SQLITE_TEXT;
        const void* p =
            text ? static_cast<const void*>(sqlite3_column_text(a, ca)) : sqlite3_column_blob(a, ca);
        const void* q =
            text ? static_cast<const void*>(sqlite3_column_text(b, cb)) : sqlite3_column_blob(b, cb);
        const int n = sqlite3_column_bytes(a, ca);
        return n == sqlite3_column_bytes(b, cb) &&
               (n == 0 || std::memcmp(p, q, static_cast<std::size_t>(n)) == 0);
    }
    default:
        return true;
    }
}

// Steps both statements to the end together; false as soon as a row or its first `columns`
// values differ. Both are reset.
Result<bool> sameRows(Stmt& a, Stmt& b, int columns, std::string_view what) {
    bool same = true;
    for (;;) {
        auto ra = a.step(what);
        if (!ra) return ra.error();
        auto rb = b.step(what);
        if (!rb) return rb.error();
        if (*ra != *rb) {
            same = false;
            break;
        }
        if (!*ra) break;
        for (int c = 0; c < columns && same; ++c)
            same = sameValue(a.get(), c, b.get(), c);
        if (!same) break;
    }
    a.reset();
    b.reset();
    return same;
}

// Inserts the current row of `from` (its first `columns` values) with the extra bindings after
// them, then resets the insert.
Status insertRow(Stmt& insert, const Stmt& from, int columns, std::string_view what) {
    for (int c = 0; c < columns; ++c)
        sqlite3_bind_value(insert.get(), c + 1, sqlite3_column_value(from.get(), c));
    return insert.run(what);
}

} // namespace

Result<std::vector<RunGroup>> listGroups(const Db& db) {
    auto st = Stmt::prepare(db, "SELECT group_id, id FROM runs ORDER BY id");
    if (!st) return st.error();
    // Groups keyed by group id, listed in the order of their first run.
    std::map<std::int64_t, std::size_t> index;
    std::vector<RunGroup> groups;
    for (;;) {
        auto row = st->step("listing the runs");
        if (!row) return row.error();
        if (!*row) break;
        const auto [it, added] = index.try_emplace(st->int64(0), groups.size());
        if (added) groups.emplace_back();
        groups[it->second].push_back(st->int64(1));
    }
    return groups;
}

Result<RunSource> RunSource::prepare(const Db& db) {
    RunSource s;
    s.m_db = &db;
    for (std::size_t i = 0; i < kContentQueries.size(); ++i) {
        auto st = Stmt::prepare(db, kContentQueries[i].select);
        if (!st) return st.error();
        s.m_content[i] = std::move(*st);
    }
    for (std::size_t i = 0; i < kSizeQueries.size(); ++i) {
        auto st = Stmt::prepare(db, kSizeQueries[i]);
        if (!st) return st.error();
        s.m_sizes[i] = std::move(*st);
    }
    return s;
}

Result<std::uint64_t> RunSource::runHash(std::int64_t id) {
    Fnv f;
    // Runs, run data and interventions in full; maps and norms by their sizes.
    auto feed = [&](Stmt& st, int columns) -> Status {
        st.bind(1, id);
        for (;;) {
            auto row = st.step("reading a run");
            if (!row) {
                st.reset();
                return row.error();
            }
            if (!*row) break;
            f.add(0x526f77ull); // a row starts: rows do not run into each other
            for (int c = 0; c < columns; ++c)
                hashValue(f, st.get(), c);
        }
        st.reset();
        return okStatus();
    };
    for (std::size_t i = 0; i < 3; ++i)
        if (auto s = feed(m_content[i], kContentQueries[i].identity); !s) return s.error();
    for (auto& st : m_sizes)
        if (auto s = feed(st, 2); !s) return s.error();
    return f.h;
}

Result<std::uint64_t> RunSource::groupHash(const RunGroup& group) {
    Fnv f;
    f.add(static_cast<std::uint64_t>(group.size()));
    for (auto id : group) {
        auto h = runHash(id);
        if (!h) return h.error();
        f.add(*h);
    }
    return f.h;
}

Result<bool> RunSource::sameRun(RunSource& a, std::int64_t ra, RunSource& b, std::int64_t rb) {
    for (std::size_t i = 0; i < kContentQueries.size(); ++i) {
        a.m_content[i].bind(1, ra);
        b.m_content[i].bind(1, rb);
        auto same = sameRows(a.m_content[i], b.m_content[i], kContentQueries[i].identity, "comparing runs");
        if (!same) return same.error();
        if (!*same) return false;
    }
    return true;
}

Result<bool> RunSource::sameGroup(RunSource& a, const RunGroup& ga, RunSource& b, const RunGroup& gb) {
    if (ga.size() != gb.size()) return false;
    for (std::size_t i = 0; i < ga.size(); ++i) {
        auto same = sameRun(a, ga[i], b, gb[i]);
        if (!same) return same.error();
        if (!*same) return false;
    }
    return true;
}

Result<GroupWriter> GroupWriter::prepare(const Db& out) {
    GroupWriter w;
    w.m_out = &out;
    for (std::size_t i = 0; i < kContentQueries.size(); ++i) {
        auto st = Stmt::prepare(out, kContentQueries[i].insert);
        if (!st) return st.error();
        w.m_insert[i] = std::move(*st);
    }
    auto name = Stmt::prepare(out, "UPDATE runs SET group_id = id WHERE id = ?1");
    if (!name) return name.error();
    w.m_nameGroup = std::move(*name);
    return w;
}

Result<RunGroup> GroupWriter::copy(RunSource& from, const RunGroup& group) {
    const char* what = "merging a run";
    RunGroup ids;
    for (const auto id : group) {
        // The runs row first: its new id is what the other rows refer to.
        Stmt& run = from.m_content[0];
        run.bind(1, id);
        auto row = run.step(what);
        if (!row || !*row) {
            run.reset();
            if (!row) return row.error();
            return Error{fmt::format("{}: run {} vanished while it was merged", from.db().path(), id)};
        }
        m_insert[0].bind(13, ids.empty() ? 0 : ids.front());
        auto inserted = insertRow(m_insert[0], run, 12, what);
        run.reset();
        if (!inserted) return inserted.error();
        const std::int64_t newId = sqlite3_last_insert_rowid(m_out->get());
        if (ids.empty()) {
            m_nameGroup.bind(1, newId);
            if (auto s = m_nameGroup.run(what); !s) return s.error();
        }
        ids.push_back(newId);

        for (std::size_t i = 1; i < kContentQueries.size(); ++i) {
            Stmt& rows = from.m_content[i];
            const int columns = kContentQueries[i].identity;
            rows.bind(1, id);
            for (;;) {
                row = rows.step(what);
                if (!row || !*row) break;
                m_insert[i].bind(columns + 1, newId);
                if (auto s = insertRow(m_insert[i], rows, columns, what); !s) {
                    rows.reset();
                    return s.error();
                }
            }
            rows.reset();
            if (!row) return row.error();
        }
    }
    return ids;
}

Result<TimelineCopy> copyTimelines(const Db& from, const Db& out) {
    const char* what = "merging timelines";
    auto points = Stmt::prepare(
        from,
        fmt::format("SELECT {} FROM timeline_points ORDER BY timeline, step", kTimelineColumns).c_str());
    if (!points) return points.error();
    auto existing = Stmt::prepare(
        out, fmt::format("SELECT {} FROM timeline_points WHERE timeline = ?1 AND step = ?2", kTimelineColumns)
                 .c_str());
    if (!existing) return existing.error();
    auto insert = Stmt::prepare(out, fmt::format("INSERT INTO timeline_points({}) VALUES(?1, ?2, ?3, ?4, ?5, "
                                                 "?6, ?7, ?8, ?9, ?10)",
                                                 kTimelineColumns)
                                         .c_str());
    if (!insert) return insert.error();
    TimelineCopy copied;
    for (;;) {
        auto row = points->step(what);
        if (!row) return row.error();
        if (!*row) break;
        sqlite3_bind_value(existing->get(), 1, sqlite3_column_value(points->get(), 0));
        sqlite3_bind_value(existing->get(), 2, sqlite3_column_value(points->get(), 1));
        auto found = existing->step(what);
        if (!found) return found.error();
        if (*found) {
            bool same = true;
            for (int c = 0; c < kTimelineColumnCount && same; ++c)
                same = sameValue(points->get(), c, existing->get(), c);
            existing->reset();
            if (!same)
                return Error{fmt::format("{}: timeline '{}', step {}: differs from the point already "
                                         "merged (from the output or an earlier shard); cannot merge the two",
                                         from.path(), excerpt(points->text(0)), points->int64(1))};
            ++copied.present;
            continue;
        }
        existing->reset();
        if (auto s = insertRow(*insert, *points, kTimelineColumnCount, what); !s) return s.error();
        ++copied.added;
    }
    return copied;
}

} // namespace sinkscope::trace

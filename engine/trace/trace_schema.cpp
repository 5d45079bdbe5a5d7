#include "trace/trace_schema.h"

#include "core/excerpt.h"

#include <charconv>
#include <fmt/format.h>
#include <map>

namespace sinkscope::trace {

namespace {

// Column order matches a file migrated from version 1 (added columns come last), so fresh and
// migrated files have the same layout. Bulky per-run data lives in run_data, which keeps the runs
// rows small: listing runs reads no token arrays. Map and norm rows put the blob last, so that
// reading their other columns never walks the blob's overflow pages.
constexpr const char* kRunsV2 = R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  model_path TEXT NOT NULL,
  architecture TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  parameters INTEGER NOT NULL,
  layers INTEGER NOT NULL,
  heads INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  generated_count INTEGER NOT NULL,
  prompt_text TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  group_id INTEGER NOT NULL DEFAULT 0,
  stored_bytes INTEGER NOT NULL DEFAULT 0);
)sql";

constexpr const char* kCommonTables = R"sql(
CREATE TABLE run_data(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  settings_json TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  generated_text BLOB NOT NULL,
  token_ids BLOB NOT NULL,
  tokens BLOB NOT NULL,
  top_k BLOB NOT NULL,
  generated_ids BLOB NOT NULL);
CREATE TABLE run_interventions(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  spec TEXT NOT NULL,
  PRIMARY KEY(run_id, position)) WITHOUT ROWID;
CREATE TABLE norms(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind INTEGER NOT NULL,
  layer INTEGER NOT NULL,
  head INTEGER NOT NULL,
  first_token INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX norms_run ON norms(run_id);
)sql";

// kind: 0 attention, 1 scores. dtype repeats the blob header's for tools that read the file
// without our codec.
constexpr const char* kMapsV2 = R"sql(
CREATE TABLE maps(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind INTEGER NOT NULL,
  step INTEGER NOT NULL,
  layer INTEGER NOT NULL,
  head INTEGER NOT NULL,
  first_row INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  dtype TEXT NOT NULL,
  data BLOB NOT NULL);
CREATE UNIQUE INDEX maps_key ON maps(run_id, kind, step, layer, head);
)sql";

// Training timelines (schema 3): one row per checkpoint of a training run, named by the run. The
// alpha0 blob is the layer x head map, row-major f64 (trace_blobs.h), with its shape beside it.
constexpr const char* kTimelineV3 = R"sql(
CREATE TABLE timeline_points(
  timeline TEXT NOT NULL,
  step INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  train_loss REAL NOT NULL,
  val_loss REAL NOT NULL,
  probe_loss REAL NOT NULL,
  sink_rate REAL NOT NULL,
  layers INTEGER NOT NULL,
  heads INTEGER NOT NULL,
  alpha0 BLOB NOT NULL,
  PRIMARY KEY(timeline, step)) WITHOUT ROWID;
)sql";

constexpr const char* kMigrate1To2 = R"sql(
ALTER TABLE runs ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN group_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET group_id = id;
ALTER TABLE maps RENAME TO maps_v1;
DROP INDEX maps_key;
)sql";

constexpr const char* kMigrate1To2Copy = R"sql(
INSERT INTO maps(id, run_id, kind, step, layer, head, first_row, rows, cols, dtype, data)
  SELECT id, run_id, 0, step, layer, head, first_row, rows, cols, dtype, data FROM maps_v1;
DROP TABLE maps_v1;
UPDATE runs SET stored_bytes =
  coalesce((SELECT sum(length(data)) FROM maps WHERE maps.run_id = runs.id), 0) +
  coalesce((SELECT sum(length(data)) FROM norms WHERE norms.run_id = runs.id), 0);
)sql";

bool parseInt(const std::string& s, int& out) {
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, out);
    return ec == std::errc() && p == end;
}

Status setVersion(const Db& db, int schema, int oldest) {
    auto st = Stmt::prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
    if (!st) return st.error();
    for (const auto& [key, value] :
         {std::pair<const char*, int>{"schema_version", schema}, {"oldest_compatible", oldest}}) {
        const std::string v = std::to_string(value);
        st->bindText(1, key);
        st->bindText(2, v);
        if (auto s = st->run("writing the schema version"); !s) return s;
    }
    return okStatus();
}

} // namespace

Result<FileVersion> readVersion(const Db& db) {
    const auto& path = db.path();
    auto appId = Stmt::prepare(db, "PRAGMA application_id");
    if (!appId) return appId.error();
    auto row = appId->step("reading the application id");
    if (!row) return row.error();
    const auto id = static_cast<std::uint32_t>(*row ? appId->int64(0) : 0);
    if (id != static_cast<std::uint32_t>(kApplicationId))
        return Error{fmt::format("{}: not a SinkScope trace file (application_id 0x{:08x})", path, id)};

    auto hasMeta =
        Stmt::prepare(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'");
    if (!hasMeta) return hasMeta.error();
    row = hasMeta->step("reading the schema");
    if (!row) return row.error();
    if (!*row || hasMeta->int64(0) == 0)
        return Error{fmt::format(
            "{}: the file is corrupt (it has SinkScope's application id but no meta table)", path)};

    auto meta = Stmt::prepare(db, "SELECT key, value FROM meta");
    if (!meta) return meta.error();
    std::map<std::string, std::string> values;
    for (;;) {
        row = meta->step("reading the meta table");
        if (!row) return row.error();
        if (!*row) break;
        values[meta->text(0)] = meta->text(1);
    }
    if (values["magic"] != kMagic)
        return Error{
            fmt::format("{}: not a SinkScope trace file (meta magic '{}')", path, excerpt(values["magic"]))};
    FileVersion v;
    if (!parseInt(values["schema_version"], v.schema) || v.schema < 1)
        return Error{fmt::format("{}: the file is corrupt (meta schema_version '{}')", path,
                                 excerpt(values["schema_version"]))};
    if (!parseInt(values["oldest_compatible"], v.oldestCompatible) || v.oldestCompatible < 1 ||
        v.oldestCompatible > v.schema)
        return Error{
            fmt::format("{}: the file is corrupt (meta oldest_compatible '{}' with schema_version {})", path,
                        excerpt(values["oldest_compatible"]), v.schema)};
    return v;
}

Status createSchema(const Db& db) {
    const std::string appId = fmt::format("PRAGMA application_id = {}", kApplicationId);
    if (auto s = db.exec(appId.c_str(), "creating the trace file"); !s) return s;
    if (auto s =
            db.exec("CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID",
                    "creating the trace file");
        !s)
        return s;
    for (const char* sql : {kRunsV2, kCommonTables, kMapsV2, kTimelineV3})
        if (auto s = db.exec(sql, "creating the trace file"); !s) return s;
    auto st = Stmt::prepare(db, "INSERT INTO meta(key, value) VALUES('magic', ?1)");
    if (!st) return st.error();
    st->bindText(1, kMagic);
    if (auto s = st->run("creating the trace file"); !s) return s;
    return setVersion(db, kSchemaVersion, kOldestCompatible);
}

Status migrate(const Db& db, int from) {
    if (from < 1 || from > kSchemaVersion)
        return Error{fmt::format("{}: cannot migrate from schema {}", db.path(), from)};
    if (from == 1) {
        const std::string what = "migrating from schema 1";
        for (const char* sql : {kMigrate1To2, kMapsV2, kMigrate1To2Copy})
            if (auto s = db.exec(sql, what); !s) return s;
    }
    if (from <= 2)
        if (auto s = db.exec(kTimelineV3, "migrating from schema 2"); !s) return s;
    return setVersion(db, kSchemaVersion, kOldestCompatible);
}

Status checkTables(const Db& db) {
    auto st = Stmt::prepare(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    if (!st) return st.error();
    for (const char* table : {"runs", "run_data", "run_interventions", "maps", "norms", "timeline_points"}) {
        st->bindText(1, table);
        auto row = st->step("reading the schema");
        if (!row) return row.error();
        const bool present = *row && st->int64(0) > 0;
        st->reset();
        if (!present)
            return Error{fmt::format("{}: the file is corrupt (table '{}' is missing)", db.path(), table)};
    }
    return okStatus();
}

} // namespace sinkscope::trace

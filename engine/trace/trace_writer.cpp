// Writing runs: TraceStore::Writer holds one transaction on its own connection from beginRun to
// commit, so a run appears whole or not at all and the store's reads never see it half-written.
#include "trace/map_codec.h"
#include "trace/trace_blobs.h"
#include "trace/trace_query.h"
#include "trace/trace_store_impl.h"

#include <fmt/format.h>

namespace sinkscope {

using namespace trace;

struct TraceStore::Writer::Impl {
    BusyWait busy; // before db, which keeps a pointer to it
    Db db;
    Transaction txn;
    Stmt insertMap, insertNorm;
    std::string path;
    std::int64_t id = 0;
    int layers = 0, heads = 0;
    std::int64_t storedBytes = 0;
    bool committed = false;
    std::string failure; // set once the transaction was rolled back (by SQLite or by abandon)
    // The store's "a run is being written" flag, held from beginRun until commit or destruction.
    std::shared_ptr<std::atomic<bool>> writing;

    ~Impl() {
        // Statements first, then the rollback, then the connection.
        insertMap = Stmt();
        insertNorm = Stmt();
        txn.rollback();
        releaseFlag();
    }

    // Only while held: after a commit the store may already belong to the next writer.
    void releaseFlag() {
        if (writing) writing->store(false);
        writing.reset();
    }

    std::string where() const { return fmt::format("{}: run {}", path, id); }

    // Rolls back every run of the transaction; the writer says so from now on.
    Error abandon(Error e) {
        insertMap = Stmt();
        insertNorm = Stmt();
        txn.rollback();
        failure = "the runs were rolled back after an error: " + e.message;
        return Error{where() + ": " + failure};
    }

    // Records the current run's stored bytes; the run is complete from here on.
    Status finishRun() {
        auto st = Stmt::prepare(db, "UPDATE runs SET stored_bytes = ?1 WHERE id = ?2");
        if (!st) return failed(st.error());
        st->bind(1, storedBytes);
        st->bind(2, id);
        if (auto s = st->run("writing a run"); !s) return failed(s.error());
        return okStatus();
    }

    Status usable() const {
        if (committed) return Error{where() + ": already committed"};
        if (!failure.empty()) return Error{where() + ": " + failure};
        return okStatus();
    }

    // After a failed statement: when SQLite rolled the whole transaction back (disk full, I/O
    // error) the run is lost and the writer says so from now on.
    Error failed(Error e) {
        if (txn.active() && sqlite3_get_autocommit(db.get())) {
            failure = "the run was rolled back after an error: " + e.message;
            txn.rollback();
            return Error{where() + ": " + failure};
        }
        return e;
    }
};

namespace {

Status validateRun(const std::string& path, const RunRecord& run) {
    if (!run.tokens.empty() && run.tokens.size() != run.tokenIds.size())
        return Error{fmt::format("{}: run has {} token ids but {} token strings", path, run.tokenIds.size(),
                                 run.tokens.size())};
    if (run.layers < 0 || run.heads < 0)
        return Error{fmt::format("{}: run has {} layers and {} heads", path, run.layers, run.heads)};
    if (run.group < 0) return Error{fmt::format("{}: run group {} is negative", path, run.group)};
    return okStatus();
}

Status insertRunRows(const Db& db, RunRecord& run) {
    const char* what = "writing a run";
    auto st =
        Stmt::prepare(db, "INSERT INTO runs(created_at, model_path, architecture, config_hash, parameters, "
                          "layers, heads, token_count, generated_count, prompt_text, label, group_id) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st) return st.error();
    st->bindText(1, run.createdAt);
    st->bindText(2, run.model.path);
    st->bindText(3, run.model.architecture);
    st->bindText(4, run.model.configHash);
    st->bind(5, run.model.parameters);
    st->bind(6, run.layers);
    st->bind(7, run.heads);
    st->bind(8, static_cast<std::int64_t>(run.tokenIds.size()));
    st->bind(9, static_cast<std::int64_t>(run.generatedIds.size()));
    st->bindText(10, run.promptText);
    st->bindText(11, run.label);
    st->bind(12, run.group);
    if (auto s = st->run(what); !s) return s;
    run.id = sqlite3_last_insert_rowid(db.get());
    if (run.group == 0) {
        run.group = run.id;
        auto g = Stmt::prepare(db, "UPDATE runs SET group_id = id WHERE id = ?1");
        if (!g) return g.error();
        g->bind(1, run.id);
        if (auto s = g->run(what); !s) return s;
    }

    auto data =
        Stmt::prepare(db, "INSERT INTO run_data(run_id, settings_json, metrics_json, generated_text, "
                          "token_ids, tokens, top_k, generated_ids) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!data) return data.error();
    const auto ids = packIds(run.tokenIds);
    const auto tokens = packStrings(run.tokens);
    const auto topK = packTopK(run.topK);
    const auto generated = packIds(run.generatedIds);
    data->bind(1, run.id);
    data->bindText(2, run.settingsJson);
    data->bindText(3, run.metricsJson);
    data->bindBlob(4, run.generatedText.data(), run.generatedText.size());
    data->bindBlob(5, ids.data(), ids.size());
    data->bindBlob(6, tokens.data(), tokens.size());
    data->bindBlob(7, topK.data(), topK.size());
    data->bindBlob(8, generated.data(), generated.size());
    if (auto s = data->run(what); !s) return s;

    auto iv = Stmt::prepare(db, "INSERT INTO run_interventions(run_id, position, spec) VALUES(?1, ?2, ?3)");
    if (!iv) return iv.error();
    for (std::size_t i = 0; i < run.interventions.size(); ++i) {
        iv->bind(1, run.id);
        iv->bind(2, static_cast<std::int64_t>(i));
        iv->bindText(3, run.interventions[i]);
        if (auto s = iv->run(what); !s) return s;
    }
    return okStatus();
}

} // namespace

TraceStore::Writer::Writer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TraceStore::Writer::~Writer() = default;

std::int64_t TraceStore::Writer::id() const {
    return m_impl->id;
}

Status TraceStore::Writer::add(const AttentionMap& map) {
    Impl& w = *m_impl;
    return guarded(w.path, [&]() -> Status {
        if (auto s = w.usable(); !s) return s;
        const auto what = fmt::format("{} (step {}, layer {}, head {})", mapKindName(map.kind), map.step,
                                      map.layer, map.head);
        if (auto problem = checkMap(map); !problem.empty())
            return Error{fmt::format("{}: {}: {}", w.where(), what, problem)};
        if ((w.layers > 0 && map.layer >= w.layers) || (w.heads > 0 && map.head >= w.heads))
            return Error{fmt::format("{}: {}: the run has {} layers and {} heads", w.where(), what, w.layers,
                                     w.heads)};
        const auto blob = encodeMap(map);
        auto& st = w.insertMap;
        st.bind(1, w.id);
        st.bind(2, map.kind == MapKind::Scores ? 1 : 0);
        st.bind(3, map.step);
        st.bind(4, map.layer);
        st.bind(5, map.head);
        st.bind(6, map.firstRow);
        st.bind(7, map.rows);
        st.bind(8, map.cols);
        st.bindText(9, map.kind == MapKind::Scores ? "f32" : "f16");
        st.bindBlob(10, blob.data(), blob.size());
        auto s = st.run("writing a map");
        if (!s) {
            const int rc = sqlite3_extended_errcode(w.db.get());
            st.reset();
            if (rc == SQLITE_CONSTRAINT_UNIQUE)
                return Error{fmt::format("{}: {} is already stored", w.where(), what)};
            return w.failed(s.error());
        }
        w.storedBytes += static_cast<std::int64_t>(blob.size());
        return okStatus();
    });
}

Status TraceStore::Writer::add(const NormSeries& norms) {
    Impl& w = *m_impl;
    return guarded(w.path, [&]() -> Status {
        if (auto s = w.usable(); !s) return s;
        if (norms.layer < 0 || norms.head < -1 || norms.firstToken < 0)
            return Error{
                fmt::format("{}: norm series (layer {}, head {}, first token {}) has a negative index",
                            w.where(), norms.layer, norms.head, norms.firstToken)};
        const auto blob = packFloats(norms.values);
        auto& st = w.insertNorm;
        st.bind(1, w.id);
        st.bind(2, static_cast<std::int64_t>(norms.kind));
        st.bind(3, norms.layer);
        st.bind(4, norms.head);
        st.bind(5, norms.firstToken);
        st.bindBlob(6, blob.data(), blob.size());
        if (auto s = st.run("writing norms"); !s) {
            st.reset();
            return w.failed(s.error());
        }
        w.storedBytes += static_cast<std::int64_t>(blob.size());
        return okStatus();
    });
}

Status TraceStore::Writer::nextRun(RunRecord run) {
    Impl& w = *m_impl;
    return guarded(w.path, [&]() -> Status {
        if (auto s = w.usable(); !s) return s;
        if (auto s = validateRun(w.path, run); !s) return s;
        if (auto s = w.finishRun(); !s) return s;
        if (run.createdAt.empty()) run.createdAt = nowIso8601();
        // A run half inserted must not be committed with the others: give up the whole group.
        if (auto s = insertRunRows(w.db, run); !s) return w.abandon(s.error());
        w.id = run.id;
        w.layers = run.layers;
        w.heads = run.heads;
        w.storedBytes = 0;
        return okStatus();
    });
}

Result<std::int64_t> TraceStore::Writer::commit() {
    Impl& w = *m_impl;
    return guarded(w.path, [&]() -> Result<std::int64_t> {
        if (auto s = w.usable(); !s) return s.error();
        if (auto s = w.finishRun(); !s) return s.error();
        w.insertMap = Stmt();
        w.insertNorm = Stmt();
        if (auto s = w.txn.commit(); !s) {
            w.failure = "the run was rolled back: " + s.error().message;
            return s.error();
        }
        w.committed = true;
        w.releaseFlag();
        return w.id;
    });
}

Result<std::unique_ptr<TraceStore::Writer>> TraceStore::beginRun(RunRecord run) {
    const auto& path = m_impl->path;
    return guarded(path, [&]() -> Result<std::unique_ptr<Writer>> {
        if (auto s = m_impl->writable("write runs"); !s) return s.error();
        if (auto s = validateRun(path, run); !s) return s.error();
        bool expected = false;
        if (!m_impl->writing->compare_exchange_strong(expected, true))
            return Error{fmt::format("{}: another run is being written; commit or drop it first", path)};
        auto w = std::make_unique<Writer::Impl>();
        w->writing = m_impl->writing; // from here on ~Impl clears the flag
        w->path = path;
        w->busy.policy = m_impl->busy->policy;
        auto db = openConnection(path, w->busy);
        if (!db) return db.error();
        w->db = std::move(*db);
        auto txn = Transaction::begin(w->db);
        if (!txn) return txn.error();
        w->txn = std::move(*txn);
        if (run.createdAt.empty()) run.createdAt = nowIso8601();
        if (auto s = insertRunRows(w->db, run); !s) return s.error();
        w->id = run.id;
        w->layers = run.layers;
        w->heads = run.heads;
        auto im =
            Stmt::prepare(w->db, "INSERT INTO maps(run_id, kind, step, layer, head, first_row, rows, cols, "
                                 "dtype, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        if (!im) return im.error();
        w->insertMap = std::move(*im);
        auto in = Stmt::prepare(w->db, "INSERT INTO norms(run_id, kind, layer, head, first_token, data) "
                                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        if (!in) return in.error();
        w->insertNorm = std::move(*in);
        return std::unique_ptr<Writer>(new Writer(std::move(w)));
    });
}

Result<std::int64_t> TraceStore::writeRun(RunRecord run, const std::vector<AttentionMap>& maps,
                                          const std::vector<NormSeries>& norms) {
    auto w = beginRun(std::move(run));
    if (!w) return w.error();
    for (const auto& m : maps)
        if (auto s = (*w)->add(m); !s) return s.error();
    for (const auto& n : norms)
        if (auto s = (*w)->add(n); !s) return s.error();
    return (*w)->commit();
}

} // namespace sinkscope

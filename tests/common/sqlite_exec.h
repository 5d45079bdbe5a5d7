#pragma once
// Tests that damage or inspect a trace file go around the store: SQL on the file through its own
// connection. Shared by the engine's trace tests and the CLI's merge tests.
#include <sqlite3.h>
#include <string>

namespace sinkscope::test {

// Runs SQL on a file through its own connection; empty string = ok, else SQLite's message.
inline std::string execSql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string err;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        err = db ? sqlite3_errmsg(db) : "open failed";
    } else {
        char* msg = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK)
            err = msg ? msg : "exec failed";
        sqlite3_free(msg);
    }
    sqlite3_close(db);
    return err;
}

} // namespace sinkscope::test

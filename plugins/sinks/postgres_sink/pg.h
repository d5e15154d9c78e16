#pragma once
// A thin RAII layer over libpq for the postgres-sink: one connection, results
// that free themselves, and every failure classified the way the sink must
// react to it (retry the batch, route records to the errant reporter, or
// fail the task).

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice_plugins::pg {

/// How a failed statement is handled.
enum class ErrorKind {
  kTransient,  // connection lost, server shutting down, deadlock, lock timeout: retry later
  kData,       // a value or a row was refused (SQLSTATE classes 21, 22, 23, 54): find the record
  kFatal,      // permissions, missing objects, syntax: retrying cannot help
};

struct Error {
  ErrorKind kind = ErrorKind::kFatal;
  std::string sqlstate;  // empty when the server never answered
  std::string message;   // primary message, with detail and column when the server gave them
};

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Connect with libpq keyword/value pairs (`dbname` may be a URI or a
  /// conninfo string, expanded by libpq). False and `err` on failure.
  bool open(const std::vector<std::pair<std::string, std::string>>& params, Error* err);
  void close();
  bool ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

  /// Run SQL without parameters (several statements allowed; processing
  /// stops at the first error). The last result's rows go to `out`, if given.
  bool exec(const std::string& sql, Error* err, ResultPtr* out = nullptr);
  /// `s` as a SQL string literal for this connection (PQescapeLiteral).
  std::string literal(std::string_view s) const;
  /// Run one statement with text parameters (nullptr = SQL NULL); the result
  /// rows, if any, are handed back in `out`.
  bool execParams(const std::string& sql, const std::vector<const char*>& params, Error* err,
                  ResultPtr* out = nullptr);
  /// COPY ... FROM STDIN with `data` in COPY text format.
  bool copyIn(const std::string& sql, std::string_view data, Error* err);

  PGconn* raw() const { return conn_; }

 private:
  Error errorOf(const PGresult* res) const;
  PGconn* conn_ = nullptr;
};

/// Classify a SQLSTATE (empty: no answer from the server, a lost connection).
ErrorKind classify(std::string_view sqlstate, bool connectionOk);

/// `name` quoted as a SQL identifier ("a""b").
std::string quoteIdent(std::string_view name);

}  // namespace sluice_plugins::pg

#include "pg.h"

#include <algorithm>
#include <cstring>

namespace sluice_plugins::pg {

ErrorKind classify(std::string_view sqlstate, bool connectionOk) {
  if (!connectionOk || sqlstate.size() != 5) return ErrorKind::kTransient;
  std::string_view cls = sqlstate.substr(0, 2);
  // 08 connection exception, 40 transaction rollback (serialization failure,
  // deadlock), 53 insufficient resources (disk full, too many connections),
  // 55 object not in prerequisite state (lock not available: lock_timeout),
  // 57 operator intervention (admin shutdown, cannot connect now, and
  // query_canceled: statement_timeout), 58 system error (I/O).
  if (cls == "08" || cls == "40" || cls == "53" || cls == "55" || cls == "57" || cls == "58")
    return ErrorKind::kTransient;
  // 21 cardinality violation, 22 data exception (bad input syntax, out of
  // range), 23 integrity constraint violation (not null, unique, check),
  // 54 program limit exceeded (row too big).
  if (cls == "21" || cls == "22" || cls == "23" || cls == "54") return ErrorKind::kData;
  return ErrorKind::kFatal;
}

std::string quoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

bool Connection::open(const std::vector<std::pair<std::string, std::string>>& params, Error* err) {
  close();
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    err->kind = ErrorKind::kTransient;
    err->sqlstate.clear();
    err->message = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!err->message.empty() && (err->message.back() == '\n' || err->message.back() == ' ')) err->message.pop_back();
    close();
    return false;
  }
  return true;
}

void Connection::close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
}

Error Connection::errorOf(const PGresult* res) const {
  Error e;
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  e.sqlstate = state ? state : "";
  e.kind = classify(e.sqlstate, ok());
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary) {
    e.message = primary;
    if (const char* d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) e.message += std::string(" (") + d + ")";
    if (const char* c = PQresultErrorField(res, PG_DIAG_COLUMN_NAME)) e.message += std::string(" [column ") + c + "]";
  } else {
    e.message = conn_ ? PQerrorMessage(conn_) : "no connection";
    while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' ')) e.message.pop_back();
    if (e.message.empty()) e.message = "connection lost";
  }
  if (!e.sqlstate.empty()) e.message += " (SQLSTATE " + e.sqlstate + ")";
  return e;
}

bool Connection::exec(const std::string& sql, Error* err, ResultPtr* out) {
  if (!conn_) {
    *err = Error{ErrorKind::kTransient, "", "not connected"};
    return false;
  }
  ResultPtr res(PQexec(conn_, sql.c_str()), &PQclear);
  auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    if (out) *out = std::move(res);
    return true;
  }
  *err = errorOf(res.get());
  return false;
}

std::string Connection::literal(std::string_view s) const {
  char* q = conn_ ? PQescapeLiteral(conn_, s.data(), s.size()) : nullptr;
  if (!q) {
    // Without a connection (or on an encoding error) fall back to standard
    // quoting; the statement then fails on the server, not here.
    std::string out = "'";
    for (char c : s) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }
  std::string out(q);
  PQfreemem(q);
  return out;
}

bool Connection::execParams(const std::string& sql, const std::vector<const char*>& params, Error* err,
                            ResultPtr* out) {
  if (!conn_) {
    *err = Error{ErrorKind::kTransient, "", "not connected"};
    return false;
  }
  ResultPtr res(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, params.data(),
                             nullptr, nullptr, 0),
                &PQclear);
  auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    if (out) *out = std::move(res);
    return true;
  }
  *err = errorOf(res.get());
  return false;
}

bool Connection::copyIn(const std::string& sql, std::string_view data, Error* err) {
  if (!conn_) {
    *err = Error{ErrorKind::kTransient, "", "not connected"};
    return false;
  }
  ResultPtr res(PQexec(conn_, sql.c_str()), &PQclear);
  if (!res || PQresultStatus(res.get()) != PGRES_COPY_IN) {
    *err = errorOf(res.get());
    return false;
  }
  constexpr size_t kChunk = 1 << 20;
  bool sent = true;
  for (size_t off = 0; off < data.size() && sent; off += kChunk) {
    size_t n = std::min(kChunk, data.size() - off);
    sent = PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(conn_, sent ? nullptr : "client failed to send data") != 1) sent = false;
  // Drain every result: the COPY's own, then the end of the command.
  bool okAll = sent;
  Error first;
  bool haveError = false;
  while (PGresult* r = PQgetResult(conn_)) {
    ResultPtr rp(r, &PQclear);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && !haveError) {
      first = errorOf(r);
      haveError = true;
      okAll = false;
    }
  }
  if (!okAll) {
    *err = haveError ? first : errorOf(nullptr);
    return false;
  }
  return true;
}

}  // namespace sluice_plugins::pg

#include "postgres_sink.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace sluice_plugins {
namespace json = boost::json;
using pg::Error;
using pg::ErrorKind;
using pg::quoteIdent;

namespace {

constexpr size_t kMaxParams = 65535;  // PostgreSQL's limit of parameters per statement

std::string replaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

/// "a.b" -> ("a", "b"); "b" -> ("", "b"): only the first dot separates a schema.
std::pair<std::string, std::string> splitQualified(const std::string& s) {
  size_t dot = s.find('.');
  if (dot == std::string::npos) return {"", s};
  return {s.substr(0, dot), s.substr(dot + 1)};
}

std::string qualify(const std::string& schema, const std::string& name) {
  return schema.empty() ? quoteIdent(name) : quoteIdent(schema) + "." + quoteIdent(name);
}

// A DDL statement (CREATE TABLE, ADD COLUMN, a partition) that failed: two
// tasks creating the same table at once, one losing with a unique violation
// on the catalog or "already exists", is retried; a data error here (say a
// DEFAULT partition holding rows of the new range) is no record's fault and
// will not go away by itself, so it fails the task like permissions do.
void ddlError(Error* err) {
  if (err->sqlstate == "23505" || err->sqlstate == "42P07") err->kind = ErrorKind::kTransient;
  else if (err->kind == ErrorKind::kData) err->kind = ErrorKind::kFatal;
}

std::string coordinates(const sluice_record* r) {
  return std::string(sluice::view(r->topic)) + "-" + std::to_string(r->partition) + "@" + std::to_string(r->offset);
}

}  // namespace

PostgresSink::PostgresSink(const sluice::Init& init) : SinkTask(init), connector_(init.connectorName) {
  const auto& c = config();
  url_ = c.requireString("connection.url");
  if (url_.starts_with("jdbc:")) {  // Confluent-style jdbc:postgresql://...
    if (!url_.starts_with("jdbc:postgresql:"))
      throw sluice::ConfigError("connection.url '" + url_.substr(0, url_.find(':', 5)) +
                                ":...' is not PostgreSQL: postgres-sink writes to PostgreSQL only");
    url_ = url_.substr(5);
  }
  user_ = c.getString("connection.user");
  password_ = c.getString("connection.password");
  tableFormat_ = c.getString("table.name.format", "${topic}");
  if (tableFormat_.empty()) throw sluice::ConfigError("table.name.format must not be empty");
  upsert_ = c.getString("insert.mode", "insert") == "upsert";
  std::string pk = c.getString("pk.mode", "none");
  pkMode_ = pk == "record_key" ? PkMode::kRecordKey : pk == "record_value" ? PkMode::kRecordValue
          : pk == "kafka"      ? PkMode::kKafka
                               : PkMode::kNone;
  pkFields_ = c.getList("pk.fields");
  if (pkMode_ == PkMode::kKafka) {
    if (pkFields_.empty()) pkFields_ = {"__connect_topic", "__connect_partition", "__connect_offset"};
    if (pkFields_.size() != 3)
      throw sluice::ConfigError("pk.mode=kafka takes three pk.fields (topic, partition and offset columns), or none for __connect_topic,__connect_partition,__connect_offset");
  }
  if (pkMode_ == PkMode::kRecordValue && pkFields_.empty())
    throw sluice::ConfigError("pk.mode=record_value needs pk.fields: the value fields that form the primary key");
  if (pkMode_ == PkMode::kNone && !pkFields_.empty())
    throw sluice::ConfigError("pk.fields is set but pk.mode is none");
  if (upsert_ && pkMode_ == PkMode::kNone)
    throw sluice::ConfigError("insert.mode=upsert needs a primary key: set pk.mode to record_key, record_value or kafka");
  autoCreate_ = c.getBool("auto.create", false);
  autoEvolve_ = c.getBool("auto.evolve", false);
  batchSize_ = static_cast<size_t>(c.getInt("batch.size", 3000));
  timeField_ = c.getString("time.field");
  std::string interval = c.getString("partition.interval", "none");
  interval_ = interval == "hourly" ? pgvalues::Interval::kHourly : interval == "daily" ? pgvalues::Interval::kDaily
            : interval == "monthly" ? pgvalues::Interval::kMonthly
                                    : pgvalues::Interval::kNone;
  if (interval_ != pgvalues::Interval::kNone && timeField_.empty())
    throw sluice::ConfigError("partition.interval=" + interval + " needs time.field: the column the table is partitioned by");
  std::string offsets = c.getString("offsets.table.name", "sluice_offsets");
  if (offsets.empty()) throw sluice::ConfigError("offsets.table.name must not be empty");
  auto [schema, name] = splitQualified(offsets);
  offsetsTable_ = qualify(schema, name);
}

PostgresSink::~PostgresSink() = default;

sluice::Status PostgresSink::start() {
  sluice::Status s = connect();
  if (s.isOk() || s.code() != SLUICE_RETRIABLE) return s;  // e.g. no right to create the offsets table
  // A server that is down now may be up at the first put, which retries; a
  // wrong password or database is a config error that retrying cannot fix.
  const std::string& m = s.message();
  for (const char* fatal : {"authentication failed", "does not exist", "no pg_hba.conf entry", "invalid URI",
                            "invalid connection option", "missing \"=\""})
    if (m.find(fatal) != std::string::npos) return sluice::Status::fatal(m);
  log(SLUICE_LOG_WARN, m + "; will retry when records arrive");
  return sluice::Status::ok();
}

sluice::Status PostgresSink::connect() {
  if (conn_.ok()) return sluice::Status::ok();
  // Defaults first: what connection.url says overrides them. A server that
  // stops answering (a dead host, a partition) must not hold the task thread
  // forever: TCP keepalives and a user timeout break the connection, and the
  // statement and lock timeouts bound a statement (57014 and 55P03 are
  // retried like a lost connection).
  std::vector<std::pair<std::string, std::string>> params{
      {"connect_timeout", "10"},
      {"application_name", "sluice-" + connector_},
      {"keepalives", "1"},
      {"keepalives_idle", "10"},
      {"keepalives_interval", "5"},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", "30000"},
      {"options", "-c statement_timeout=60000 -c lock_timeout=30000"},
      {"dbname", url_}};
  if (!user_.empty()) params.emplace_back("user", user_);
  if (!password_.empty()) params.emplace_back("password", password_);
  Error err;
  if (!conn_.open(params, &err)) return sluice::Status::retriable("cannot connect to PostgreSQL: " + err.message);
  // Server notices ("relation ... already exists, skipping") go to the log at
  // DEBUG, not to stderr. They arrive during our own calls, on the task thread.
  PQsetNoticeProcessor(
      conn_.raw(),
      [](void* self, const char* msg) {
        std::string_view m(msg);
        while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
        static_cast<PostgresSink*>(self)->log(SLUICE_LOG_DEBUG, "PostgreSQL: " + std::string(m));
      },
      this);
  std::string ddl = "SET TIME ZONE 'UTC'; CREATE TABLE IF NOT EXISTS " + offsetsTable_ +
                    " (connector text NOT NULL, topic text NOT NULL, kafka_partition integer NOT NULL,"
                    " next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),"
                    " PRIMARY KEY (connector, topic, kafka_partition))";
  if (!conn_.exec(ddl, &err)) {
    ddlError(&err);
    return failure(err, "creating the offsets table " + offsetsTable_);
  }
  pg::ResultPtr res(nullptr, &PQclear);
  if (conn_.execParams("SELECT topic, kafka_partition, next_offset FROM " + offsetsTable_ +
                           " WHERE connector = $1 ORDER BY 1, 2",
                       {connector_.c_str()}, &err, &res)) {
    int n = PQntuples(res.get());
    std::string msg = "connected to PostgreSQL " + std::to_string(PQserverVersion(conn_.raw()) / 10000) + "; ";
    if (n == 0) {
      msg += "no offsets stored for connector '" + connector_ + "' in " + offsetsTable_ + " yet";
    } else {
      msg += "offsets stored in " + offsetsTable_ + " (records below them are skipped as already written):";
      for (int i = 0; i < n && i < 20; ++i)
        msg += std::string(" ") + PQgetvalue(res.get(), i, 0) + "-" + PQgetvalue(res.get(), i, 1) + "@" + PQgetvalue(res.get(), i, 2);
      if (n > 20) msg += " ... (" + std::to_string(n) + " partitions)";
    }
    log(SLUICE_LOG_INFO, msg);
  }
  return sluice::Status::ok();
}

void PostgresSink::disconnect(const std::string& why) {
  if (conn_.raw()) log(SLUICE_LOG_WARN, "dropping the PostgreSQL connection: " + why);
  conn_.close();
  tables_.clear();  // reloaded from the catalog on the next connection
  lastTable_ = nullptr;
  touched_.clear();
}

sluice::Status PostgresSink::failure(const Error& err, const std::string& what) {
  std::string msg = "PostgreSQL: " + what + " failed: " + err.message;
  if (err.kind == ErrorKind::kTransient) {
    disconnect(msg);
    return sluice::Status::retriable(msg + " (the batch will be retried)");
  }
  return sluice::Status::fatal(msg);
}

sluice::Status PostgresSink::put(std::span<const sluice_record* const> records) {
  if (records.empty()) return sluice::Status::ok();
  if (sluice::Status s = connect(); !s.isOk()) return s;
  sluice::Status status;
  Outcome o = writeBatch(records, /*perRow=*/false, &status);
  // A row the server refused: write the batch again row by row (each in a
  // savepoint) to find which records to report as errant.
  if (o == Outcome::kRetryPerRow) o = writeBatch(records, /*perRow=*/true, &status);
  return status;
}

sluice::Status PostgresSink::flush() {
  // Every put is one committed transaction, offsets included: nothing is
  // buffered, so whatever was put is already durable.
  return sluice::Status::ok();
}

sluice::Status PostgresSink::stop() {
  log(SLUICE_LOG_INFO, "wrote " + std::to_string(written_) + " rows; skipped " + std::to_string(skipped_) +
                           " records already written (exactly-once)");
  conn_.close();
  return sluice::Status::ok();
}

bool PostgresSink::lockOffsets(const std::set<std::pair<std::string, int32_t>>& tps,
                               std::map<std::pair<std::string, int32_t>, int64_t>* next, Error* err) {
  // BEGIN and the lock in one round trip (literals, as a multi-statement
  // string takes no parameters).
  std::string connector = conn_.literal(connector_);
  std::string sql = "BEGIN; INSERT INTO " + offsetsTable_ + " AS o (connector, topic, kafka_partition, next_offset) VALUES ";
  bool first = true;
  for (const auto& [topic, part] : tps) {
    sql += first ? "(" : ",(";
    sql += connector + "," + conn_.literal(topic) + "," + std::to_string(part) + ",0)";
    first = false;
  }
  // The no-op update takes the row lock: a second writer of the same
  // partitions (a task that has not noticed a rebalance yet) waits for our
  // commit and then sees our offsets.
  sql += " ON CONFLICT (connector, topic, kafka_partition) DO UPDATE SET next_offset = o.next_offset"
         " RETURNING topic, kafka_partition, next_offset";
  pg::ResultPtr res(nullptr, &PQclear);
  if (!conn_.exec(sql, err, &res)) return false;
  for (int r = 0, n = PQntuples(res.get()); r < n; ++r)
    (*next)[{PQgetvalue(res.get(), r, 0), std::atoi(PQgetvalue(res.get(), r, 1))}] = std::atoll(PQgetvalue(res.get(), r, 2));
  return true;
}

PostgresSink::Table* PostgresSink::tableFor(std::string_view topic) {
  if (lastTable_ && topic == lastTopic_) return lastTable_;
  lastTopic_ = topic;
  lastTable_ = resolveTable(topic);
  return lastTable_;
}

PostgresSink::Table* PostgresSink::resolveTable(std::string_view topic) {
  std::string resolved = replaceAll(tableFormat_, "${topic}", topic);
  auto it = tables_.find(resolved);
  if (it != tables_.end()) return it->second.get();
  auto t = std::make_unique<Table>();
  // A dot in the format (not in the topic) separates a schema.
  size_t dot = tableFormat_.find('.');
  if (dot != std::string::npos) {
    t->schema = replaceAll(tableFormat_.substr(0, dot), "${topic}", topic);
    t->name = replaceAll(tableFormat_.substr(dot + 1), "${topic}", topic);
  } else {
    t->name = resolved;
  }
  t->qualified = qualify(t->schema, t->name);
  Table* raw = t.get();
  tables_.emplace(resolved, std::move(t));
  return raw;
}

bool PostgresSink::buildRow(const sluice_record* r, Row* row, std::string* why) {
  row->rec = r;
  row->table = tableFor(sluice::view(r->topic));
  if (!r->value.data) {
    *why = "the value is null (a tombstone); postgres-sink writes JSON objects and does not delete rows";
    return false;
  }
  boost::system::error_code ec;
  json::value v = json::parse(std::string_view(r->value.data, r->value.len), ec, storage_);
  if (ec) {
    *why = "the value is not valid JSON (" + ec.message() + ")";
    return false;
  }
  if (!v.is_object()) {
    *why = "the value is " + pgvalues::describe(v) + ", not a JSON object";
    return false;
  }
  json::object& obj = v.as_object();
  auto& cols = row->cols;
  cols.reserve(obj.size() + 4);
  switch (pkMode_) {
    case PkMode::kKafka:
      cols.emplace_back(pkFields_[0], json::string(sluice::view(r->topic)));
      cols.emplace_back(pkFields_[1], static_cast<int64_t>(r->partition));
      cols.emplace_back(pkFields_[2], r->offset);
      break;
    case PkMode::kRecordKey: {
      if (!r->key.data) {
        *why = "the key is null, but pk.mode=record_key takes the primary key from it";
        return false;
      }
      std::string_view keyText(r->key.data, r->key.len);
      json::value key = json::parse(keyText, ec, storage_);
      if (ec) key = json::string(keyText, storage_);  // a plain string key (the default key converter)
      if (key.is_object()) {
        if (pkFields_.empty()) {
          for (auto& kv : key.as_object()) cols.emplace_back(std::string(kv.key()), std::move(kv.value()));
        } else {
          for (const auto& f : pkFields_) {
            auto* kf = key.as_object().if_contains(f);
            if (!kf) {
              *why = "pk field '" + f + "' is missing from the key";
              return false;
            }
            cols.emplace_back(f, std::move(*kf));
          }
        }
      } else {
        if (pkFields_.size() != 1) {
          *why = "the key is " + pgvalues::describe(key) + ", not an object, so pk.fields must name exactly one column for it (it names " +
                 std::to_string(pkFields_.size()) + ")";
          return false;
        }
        cols.emplace_back(pkFields_[0], std::move(key));
      }
      break;
    }
    case PkMode::kRecordValue:
      for (const auto& f : pkFields_) {
        auto* vf = obj.if_contains(f);
        if (!vf || vf->is_null()) {
          *why = "pk field '" + f + "' is missing or null in the value";
          return false;
        }
        cols.emplace_back(f, *vf);
      }
      break;
    case PkMode::kNone: break;
  }
  row->pkCount = cols.size();
  for (size_t i = 0; i < row->pkCount; ++i)
    if (cols[i].second.is_null()) {
      *why = "primary key column '" + cols[i].first + "' would be null";
      return false;
    }
  auto isPk = [&](std::string_view name) {
    for (size_t i = 0; i < row->pkCount; ++i)
      if (cols[i].first == name) return true;
    return false;
  };
  for (auto& kv : obj) {
    std::string_view name = kv.key();
    if (name.empty()) {
      *why = "the value has a field with an empty name, which cannot be a column";
      return false;
    }
    if (isPk(name) || (!timeField_.empty() && name == timeField_)) continue;
    cols.emplace_back(std::string(name), std::move(kv.value()));
  }
  if (!timeField_.empty()) {
    int64_t t = r->timestamp_ms;
    auto* tv = obj.if_contains(timeField_);
    if (tv && !tv->is_null()) {
      auto ms = pgvalues::timeMillis(*tv);
      if (!ms) {
        *why = "time field '" + timeField_ + "' is " + pgvalues::describe(*tv) +
               ", not epoch milliseconds or an ISO-8601 timestamp";
        return false;
      }
      t = *ms;
    } else if (t <= 0) {
      *why = "time field '" + timeField_ + "' is absent and the record has no timestamp";
      return false;
    }
    row->timeMs = t;
    json::value canonical = json::string(pgvalues::formatMillis(t));
    bool done = false;
    for (size_t i = 0; i < row->pkCount; ++i)
      if (cols[i].first == timeField_) {
        cols[i].second = canonical;
        done = true;
      }
    if (!done) cols.emplace_back(timeField_, std::move(canonical));
  }
  return true;
}

bool PostgresSink::loadTable(Table* t, Error* err) {
  pg::ResultPtr res(nullptr, &PQclear);
  if (!conn_.execParams("SELECT c.relkind::text, a.attname::text, format_type(a.atttypid, a.atttypmod)"
                        " FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
                        " AND NOT a.attisdropped WHERE c.oid = to_regclass($1) ORDER BY a.attnum",
                        {t->qualified.c_str()}, err, &res))
    return false;
  int n = PQntuples(res.get());
  t->exists = n > 0;
  t->partitioned = n > 0 && std::strcmp(PQgetvalue(res.get(), 0, 0), "p") == 0;
  t->columns.clear();
  t->partitions.clear();
  for (int i = 0; i < n; ++i)
    if (!PQgetisnull(res.get(), i, 1)) {
      std::string type = PQgetvalue(res.get(), i, 2);
      t->columns[PQgetvalue(res.get(), i, 1)] = Column{type, pgvalues::categorize(type)};
    }
  t->loaded = true;
  return true;
}

std::vector<std::string> PostgresSink::conflictTarget(const Table& t, const Row& row) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < row.pkCount; ++i) out.push_back(row.cols[i].first);
  // A primary key of a partitioned table must contain the partition key.
  if (t.partitioned && !timeField_.empty() && std::find(out.begin(), out.end(), timeField_) == out.end())
    out.push_back(timeField_);
  return out;
}

bool PostgresSink::ensureSchema(Table* t, std::vector<Row*>& rows, std::vector<Errant>* errant, Error* err) {
  if (!t->loaded && !loadTable(t, err)) return false;
  auto typeOf = [&](const std::string& name, const json::value& v) -> std::optional<std::string> {
    if (!timeField_.empty() && name == timeField_) return std::string("timestamptz");
    return pgvalues::inferType(v);
  };
  if (!t->exists) {
    if (!autoCreate_) {
      *err = Error{ErrorKind::kFatal, "", "table " + t->qualified + " does not exist and auto.create is false"};
      return false;
    }
    // Columns: every field of this put's rows, in order of appearance, typed
    // by its first non-null value.
    std::vector<std::pair<std::string, std::string>> cols;
    std::set<std::string> seen;
    for (Row* row : rows)
      for (const auto& [name, v] : row->cols) {
        if (seen.count(name)) continue;
        auto type = typeOf(name, v);
        if (!type) continue;  // only nulls so far: no type to give it yet
        seen.insert(name);
        cols.emplace_back(name, *type);
      }
    Table shape;
    shape.partitioned = interval_ != pgvalues::Interval::kNone;
    std::vector<std::string> pk = rows.empty() ? std::vector<std::string>{} : conflictTarget(shape, *rows.front());
    std::string sql = "CREATE TABLE IF NOT EXISTS " + t->qualified + " (";
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) sql += ", ";
      sql += quoteIdent(cols[i].first) + " " + cols[i].second;
      if (cols[i].first == timeField_) sql += " NOT NULL";
    }
    if (!pk.empty()) {
      sql += ", PRIMARY KEY (";
      for (size_t i = 0; i < pk.size(); ++i) sql += (i ? ", " : "") + quoteIdent(pk[i]);
      sql += ")";
    }
    sql += ")";
    if (shape.partitioned) sql += " PARTITION BY RANGE (" + quoteIdent(timeField_) + ")";
    touched_.insert(t);
    if (!conn_.exec(sql, err)) return false;
    log(SLUICE_LOG_INFO, "auto.create: " + sql);
    // Another task may have created it first, with other columns: read back
    // what is there and evolve from that.
    if (!loadTable(t, err)) return false;
  }
  {
    // Fields without a column: add one (auto.evolve) or refuse the record.
    std::vector<std::pair<std::string, std::string>> added;
    std::set<std::string> addedNames;
    std::vector<Row*> kept;
    kept.reserve(rows.size());
    for (Row* row : rows) {
      std::string missing;
      for (const auto& [name, v] : row->cols) {
        if (t->columns.count(name) || addedNames.count(name)) continue;
        auto type = typeOf(name, v);
        if (!type) continue;  // a null for a column that does not exist: nothing to write
        if (autoEvolve_) {
          added.emplace_back(name, *type);
          addedNames.insert(name);
        } else {
          missing += (missing.empty() ? "'" : ", '") + name + "'";
        }
      }
      if (!missing.empty()) {
        errant->push_back({row->rec, "field(s) " + missing + " have no column in table " + t->qualified +
                                         " and auto.evolve is false"});
        continue;
      }
      kept.push_back(row);
    }
    rows.swap(kept);
    if (!added.empty()) {
      std::string sql = "ALTER TABLE " + t->qualified;
      for (size_t i = 0; i < added.size(); ++i)
        sql += (i ? ", " : " ") + std::string("ADD COLUMN IF NOT EXISTS ") + quoteIdent(added[i].first) + " " + added[i].second;
      touched_.insert(t);
      if (!conn_.exec(sql, err)) return false;
      log(SLUICE_LOG_INFO, "auto.evolve: " + sql);
      // Another task may have added one of them first, with another type.
      if (!loadTable(t, err)) return false;
    }
  }
  // Null fields that still have no column carry nothing: drop them.
  for (Row* row : rows)
    std::erase_if(row->cols, [&](const auto& c) { return c.second.is_null() && !t->columns.count(c.first); });
  if (interval_ != pgvalues::Interval::kNone) {
    if (!t->partitioned) {
      *err = Error{ErrorKind::kFatal, "", "table " + t->qualified + " is not partitioned, but partition.interval is set " +
                                              "(it needs a table PARTITION BY RANGE (" + quoteIdent(timeField_) + "))"};
      return false;
    }
    for (Row* row : rows) {
      auto range = pgvalues::partitionRange(row->timeMs, interval_);
      if (t->partitions.count(range.start)) continue;
      std::string sql = "CREATE TABLE IF NOT EXISTS " + qualify(t->schema, t->name + range.suffix) + " PARTITION OF " +
                        t->qualified + " FOR VALUES FROM ('" + pgvalues::formatMillis(range.start) + "') TO ('" +
                        pgvalues::formatMillis(range.end) + "')";
      touched_.insert(t);
      if (!conn_.exec(sql, err)) return false;
      t->partitions.insert(range.start);
    }
  }
  return true;
}

bool PostgresSink::renderRow(Row* row, std::string* why) {
  const Table& t = *row->table;
  row->text.assign(row->cols.size(), std::nullopt);
  std::string out, w;
  for (size_t i = 0; i < row->cols.size(); ++i) {
    const auto& [name, v] = row->cols[i];
    if (v.is_null()) continue;
    auto it = t.columns.find(name);
    if (it == t.columns.end()) {
      *why = "field '" + name + "' has no column in table " + t.qualified;
      return false;
    }
    if (!pgvalues::render(v, it->second.category, &out, &w)) {
      *why = "field '" + name + "' does not fit column " + quoteIdent(name) + " (" + it->second.type + ") of table " +
             t.qualified + ": " + w;
      return false;
    }
    row->text[i] = out;
  }
  return true;
}

bool PostgresSink::insertStatement(Table* t, const std::vector<std::string>& cols, std::vector<Row*>::const_iterator first,
                                   std::vector<Row*>::const_iterator last, Error* err) {
  std::string sql = "INSERT INTO " + t->qualified + " (";
  for (size_t i = 0; i < cols.size(); ++i) sql += (i ? ", " : "") + quoteIdent(cols[i]);
  sql += ") VALUES ";
  std::vector<const char*> params;
  params.reserve(cols.size() * static_cast<size_t>(last - first));
  size_t n = 1;
  for (auto it = first; it != last; ++it) {
    sql += it == first ? "(" : ",(";
    for (size_t i = 0; i < cols.size(); ++i) {
      sql += (i ? ",$" : "$") + std::to_string(n++);
      const auto& v = (*it)->text[i];
      params.push_back(v ? v->c_str() : nullptr);
    }
    sql += ")";
  }
  if (upsert_) {
    std::vector<std::string> target = conflictTarget(*t, **first);
    sql += " ON CONFLICT (";
    for (size_t i = 0; i < target.size(); ++i) sql += (i ? ", " : "") + quoteIdent(target[i]);
    sql += ") DO ";
    std::string set;
    for (const auto& c : cols)
      if (std::find(target.begin(), target.end(), c) == target.end())
        set += (set.empty() ? "" : ", ") + quoteIdent(c) + " = EXCLUDED." + quoteIdent(c);
    sql += set.empty() ? "NOTHING" : "UPDATE SET " + set;
  }
  return conn_.execParams(sql, params, err);
}

bool PostgresSink::writeRows(Table* t, std::vector<Row*>& rows, bool perRow, std::vector<Errant>* errant, Error* err) {
  auto signature = [](const Row* r) {
    std::string s;
    for (const auto& c : r->cols) {
      s += c.first;
      s += '\x1f';
    }
    return s;
  };
  auto names = [](const Row* r) {
    std::vector<std::string> out;
    for (const auto& c : r->cols) out.push_back(c.first);
    return out;
  };
  if (perRow) {
    for (Row* row : rows) {
      std::vector<Row*> one{row};
      if (!conn_.exec("SAVEPOINT sluice_row", err)) return false;
      if (insertStatement(t, names(row), one.begin(), one.end(), err)) {
        if (!conn_.exec("RELEASE SAVEPOINT sluice_row", err)) return false;
        ++written_;
        continue;
      }
      if (err->kind != ErrorKind::kData) return false;
      errant->push_back({row->rec, "PostgreSQL refused the row for table " + t->qualified + ": " + err->message});
      if (!conn_.exec("ROLLBACK TO SAVEPOINT sluice_row", err)) return false;
    }
    return true;
  }
  // Runs of rows with the same columns, one statement per run (and per
  // batch.size rows). Inserts may be regrouped freely; upserts keep their
  // order across runs, and within a run the last row of a key wins, as if
  // each had been applied in turn.
  std::vector<std::pair<std::string, std::vector<Row*>>> runs;
  for (Row* row : rows) {
    std::string sig = signature(row);
    if (!upsert_) {
      auto it = std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r.first == sig; });
      if (it != runs.end()) {
        it->second.push_back(row);
        continue;
      }
    } else if (!runs.empty() && runs.back().first == sig) {
      runs.back().second.push_back(row);
      continue;
    }
    runs.push_back({sig, {row}});
  }
  std::string data;
  for (auto& [sig, run] : runs) {
    std::vector<std::string> cols = names(run.front());
    if (upsert_) {
      std::unordered_map<std::string, size_t> last;
      std::vector<std::string> keys(run.size());
      std::vector<std::string> target = conflictTarget(*t, *run.front());
      for (size_t i = 0; i < run.size(); ++i) {
        for (const auto& k : target)
          for (size_t c = 0; c < cols.size(); ++c)
            if (cols[c] == k) {
              keys[i] += run[i]->text[c].value_or("");
              keys[i] += '\x1f';
            }
        last[keys[i]] = i;
      }
      std::vector<Row*> deduped;
      for (size_t i = 0; i < run.size(); ++i)
        if (last[keys[i]] == i) deduped.push_back(run[i]);
      run.swap(deduped);
      size_t per = std::max<size_t>(1, std::min(batchSize_, kMaxParams / std::max<size_t>(1, cols.size())));
      for (size_t off = 0; off < run.size(); off += per) {
        auto first = run.begin() + static_cast<std::ptrdiff_t>(off);
        auto lastIt = run.begin() + static_cast<std::ptrdiff_t>(std::min(run.size(), off + per));
        if (!insertStatement(t, cols, first, lastIt, err)) return false;
      }
      written_ += run.size();
      continue;
    }
    std::string copy = "COPY " + t->qualified + " (";
    for (size_t i = 0; i < cols.size(); ++i) copy += (i ? ", " : "") + quoteIdent(cols[i]);
    copy += ") FROM STDIN";
    for (size_t off = 0; off < run.size(); off += batchSize_) {
      data.clear();
      for (size_t i = off; i < std::min(run.size(), off + batchSize_); ++i) {
        const Row* row = run[i];
        for (size_t c = 0; c < row->text.size(); ++c) {
          if (c) data += '\t';
          if (row->text[c]) pgvalues::appendCopyEscaped(data, *row->text[c]);
          else data += "\\N";
        }
        data += '\n';
      }
      if (!conn_.copyIn(copy, data, err)) return false;
    }
    written_ += run.size();
  }
  return true;
}

PostgresSink::Outcome PostgresSink::writeBatch(std::span<const sluice_record* const> records, bool perRow,
                                               sluice::Status* status) {
  touched_.clear();
  // Every parsed value of this put lives in one arena, freed with the rows.
  json::monotonic_resource arena;
  storage_ = json::storage_ptr(&arena);
  struct Reset {
    json::storage_ptr& s;
    ~Reset() { s = {}; }
  } reset{storage_};
  uint64_t writtenBefore = written_;
  Error err;
  auto abort = [&] {
    if (conn_.ok()) {
      Error ignored;
      (void)conn_.exec("ROLLBACK", &ignored);
    }
    // DDL of the rolled back transaction is gone: reload those tables.
    for (Table* t : touched_) t->loaded = false;
    touched_.clear();
    written_ = writtenBefore;
  };
  auto fail = [&](const Error& e, const std::string& what) {
    abort();
    *status = failure(e, what);
    return Outcome::kFailed;
  };
  std::set<std::pair<std::string, int32_t>> tps;
  for (const sluice_record* r : records) tps.emplace(std::string(sluice::view(r->topic)), r->partition);
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  if (!lockOffsets(tps, &next, &err)) return fail(err, "locking the offsets in " + offsetsTable_);

  std::vector<Row> rows;
  rows.reserve(records.size());
  std::vector<Errant> errant;
  std::map<std::pair<std::string, int32_t>, int64_t> upTo;  // next offset after this put
  uint64_t skipped = 0;
  std::pair<std::string, int32_t> tp;
  for (const sluice_record* r : records) {
    tp.first.assign(r->topic.data ? r->topic.data : "", r->topic.len);
    tp.second = r->partition;
    int64_t& up = upTo[tp];
    up = std::max(up, r->offset + 1);
    if (r->offset < next[tp]) {  // written by an earlier transaction
      ++skipped;
      continue;
    }
    Row row;
    std::string why;
    if (!buildRow(r, &row, &why)) {
      errant.push_back({r, why});
      continue;
    }
    rows.push_back(std::move(row));
  }

  // Per table, in order of first appearance.
  std::vector<std::pair<Table*, std::vector<Row*>>> byTable;
  for (Row& row : rows) {
    auto it = std::find_if(byTable.begin(), byTable.end(), [&](const auto& e) { return e.first == row.table; });
    if (it == byTable.end()) byTable.push_back({row.table, {&row}});
    else it->second.push_back(&row);
  }
  for (auto& [table, trs] : byTable) {
    if (!ensureSchema(table, trs, &errant, &err)) {
      ddlError(&err);
      return fail(err, "preparing table " + table->qualified);
    }
    std::vector<Row*> good;
    good.reserve(trs.size());
    for (Row* row : trs) {
      std::string why;
      if (renderRow(row, &why)) good.push_back(row);
      else errant.push_back({row->rec, why});
    }
    if (!writeRows(table, good, perRow, &errant, &err)) {
      if (err.kind == ErrorKind::kData && !perRow) {
        abort();
        log(SLUICE_LOG_DEBUG, "a row was refused (" + err.message + "); writing the batch again row by row");
        return Outcome::kRetryPerRow;
      }
      return fail(err, "writing to " + table->qualified);
    }
  }

  // Errant records go to the host (dead letter queue under
  // errors.tolerance=all) before the offsets passing them are committed.
  std::sort(errant.begin(), errant.end(), [](const Errant& a, const Errant& b) {
    int c = sluice::view(a.rec->topic).compare(sluice::view(b.rec->topic));
    if (c != 0) return c < 0;
    if (a.rec->partition != b.rec->partition) return a.rec->partition < b.rec->partition;
    return a.rec->offset < b.rec->offset;
  });
  for (const Errant& e : errant) {
    if (!reportErrant(e.rec, e.why)) {
      abort();
      *status = sluice::Status::fatal("record " + coordinates(e.rec) + ": " + e.why);
      return Outcome::kFailed;
    }
  }

  // The offsets, in the same transaction as the rows, and COMMIT: one round
  // trip (an error in the UPDATE stops the string before the COMMIT).
  std::string sql;
  for (const auto& [k, n] : upTo) {
    if (n <= next[k]) continue;
    sql += sql.empty() ? "UPDATE " + offsetsTable_ + " AS o SET next_offset = v.n, updated_at = now() FROM (VALUES " : ",";
    sql += "(" + conn_.literal(k.first) + "," + std::to_string(k.second) + "," + std::to_string(n) + ")";
  }
  if (!sql.empty())
    sql += ") AS v(topic, kafka_partition, n) WHERE o.connector = " + conn_.literal(connector_) +
           " AND o.topic = v.topic AND o.kafka_partition = v.kafka_partition; ";
  sql += "COMMIT";
  pg::ResultPtr res(nullptr, &PQclear);
  if (!conn_.exec(sql, &err, &res)) {
    // A lost connection leaves it unknown whether it committed; either way
    // the retried batch is filtered by the offsets table: nothing is doubled.
    return fail(err, "updating the offsets in " + offsetsTable_ + " and COMMIT");
  }
  // COMMIT of a transaction that failed earlier answers ROLLBACK, not an error.
  if (std::strcmp(PQcmdStatus(res.get()), "COMMIT") != 0)
    return fail(Error{ErrorKind::kFatal, "", std::string("the transaction was rolled back (") + PQcmdStatus(res.get()) + ")"},
                "COMMIT");
  touched_.clear();
  skipped_ += skipped;
  if (skipped > 0)
    log(SLUICE_LOG_INFO, "skipped " + std::to_string(skipped) + " records below the offsets stored in " + offsetsTable_ +
                             " (written before a restart or retry)");
  *status = sluice::Status::ok();
  return Outcome::kOk;
}

}  // namespace sluice_plugins

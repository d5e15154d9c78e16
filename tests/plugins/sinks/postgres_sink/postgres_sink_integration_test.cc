// postgres-sink against a real PostgreSQL 15 (scripts/postgres.sh, ctest
// fixture `postgres`) and the real Kafka broker (fixture `kafka`), through
// the real sluice binary. Records are produced with librdkafka; the tables
// are read back with libpq and compared row for row with what was produced.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/kafka/env.h"
#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

#ifndef SLUICE_TEST_PG_PORT_DEFAULT
#define SLUICE_TEST_PG_PORT_DEFAULT "15432"
#endif
// The port of scripts/postgres.sh's server: $SLUICE_TEST_PG_PORT, or the
// build's POSTGRES_TEST_PORT.
std::string pgPort() {
  const char* p = std::getenv("SLUICE_TEST_PG_PORT");
  return p && *p ? p : SLUICE_TEST_PG_PORT_DEFAULT;
}
std::string pgUrl() { return "postgresql://sluice@127.0.0.1:" + pgPort() + "/sluice"; }

std::string unique(const std::string& base) {
  static int n = 0;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return base + "_" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 100000000) +
         "_" + std::to_string(++n);
}

/// Rows of a query as text ("" for NULL), on a fresh libpq connection.
using Rows = std::vector<std::vector<std::string>>;
std::optional<Rows> query(const std::string& sql, std::string* error = nullptr) {
  std::string conninfo = "host=127.0.0.1 port=" + pgPort() + " dbname=sluice user=sluice password=sluice connect_timeout=5";
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) {
    if (error) *error = PQerrorMessage(c.get());
    return std::nullopt;
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK && PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    if (error) *error = PQresultErrorMessage(r.get());
    return std::nullopt;
  }
  Rows out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    out.emplace_back();
    for (int j = 0; j < PQnfields(r.get()); ++j) out.back().emplace_back(PQgetvalue(r.get(), i, j));
  }
  return out;
}
/// A single number from a query; -1 when the query fails (e.g. no table yet).
int64_t scalar(const std::string& sql) {
  auto r = query(sql);
  if (!r || r->empty() || r->front().empty() || r->front().front().empty()) return -1;
  return std::atoll(r->front().front().c_str());
}

class Producer {
 public:
  Producer() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafkaBootstrap().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  }
  ~Producer() {
    rd_kafka_flush(rk_, 10000);
    rd_kafka_destroy(rk_);
  }
  /// value nullopt: a tombstone.
  void send(const std::string& topic, int32_t partition, const std::optional<std::string>& key,
            const std::optional<std::string>& value) {
    const char* k = key ? key->data() : nullptr;
    size_t kl = key ? key->size() : 0;
    char* v = value ? const_cast<char*>(value->data()) : nullptr;
    size_t vl = value ? value->size() : 0;
    rd_kafka_resp_err_t e;
    do {
      e = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(k, kl), RD_KAFKA_V_VALUE(v, vl),
                            RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk_, 100);
    } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  }
  void flush() { ASSERT_EQ(rd_kafka_flush(rk_, 30000), RD_KAFKA_RESP_ERR_NO_ERROR); }

 private:
  rd_kafka_t* rk_ = nullptr;
};

struct DeadLetter {
  std::optional<std::string> value;
  std::string message;  // __connect.errors.exception.message
  int64_t offset = -1;  // __connect.errors.offset
};

/// Read `topic` (one partition) from the beginning until `n` records or the deadline.
std::vector<DeadLetter> readDeadLetters(const std::string& topic, size_t n, std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafkaBootstrap().c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", unique("dlq-reader").c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<DeadLetter> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (!m->err) {
      DeadLetter d;
      if (m->payload) d.value = std::string(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* h = nullptr;
      const void* v;
      size_t sz;
      if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (rd_kafka_header_get_last(h, "__connect.errors.exception.message", &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR)
          d.message.assign(static_cast<const char*>(v), sz);
        if (rd_kafka_header_get_last(h, "__connect.errors.offset", &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR)
          d.offset = std::atoll(std::string(static_cast<const char*>(v), sz).c_str());
      }
      out.push_back(std::move(d));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

class PostgresSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(query("SELECT 1", &error)) << "no PostgreSQL on 127.0.0.1:" << pgPort()
                                           << " (ctest starts it through the postgres fixture; by hand: scripts/postgres.sh up): " << error;
    auto env = kafka::Env::create(kafkaBootstrap(), {}, {}, {});
    ASSERT_TRUE(env.isOk()) << env.status().message();
    kafka_ = std::move(*env);
    port_ = freePort();
  }
  void topic(const std::string& name, int partitions) { ASSERT_TRUE(kafka_->ensureTopic(name, partitions, 1).isOk()); }

  /// Write worker.json and sink.json (postgres-sink named `name` on `topic`
  /// with `extra` settings) and start sluice on them.
  std::unique_ptr<Process> start(const std::string& name, const std::string& topicName, const json::object& extra,
                                 int64_t checkpointMs = 500) {
    json::object worker{{"listeners", "http://127.0.0.1:" + std::to_string(port_)},
                        {"bootstrap.servers", kafkaBootstrap()},
                        {"state.dir", "state"},
                        {"offset.flush.interval.ms", checkpointMs},
                        {"checkpoint.interval.ms", checkpointMs},
                        // A killed consumer stays in its group until its session
                        // expires; keep that short so restarts rejoin quickly.
                        {"consumer.session.timeout.ms", "6000"},
                        {"consumer.heartbeat.interval.ms", "1000"}};
    json::object config{{"connector.class", "postgres-sink"}, {"topics", topicName}, {"connection.url", pgUrl()},
                        {"connection.password", "sluice"}};
    for (const auto& kv : extra) config[kv.key()] = kv.value();
    writeFile(dir_.file("worker.json"), json::serialize(worker));
    writeFile(dir_.file("sink.json"), json::serialize(json::object{{"name", name}, {"config", config}}));
    auto p = std::make_unique<Process>(std::vector<std::string>{sluiceBinary(), "run", "worker.json", "sink.json"},
                                       dir_.path(), dir_.file("sluice.log"));
    EXPECT_TRUE(waitFor([&] { return http(port_, "GET", "/ready").status == 200; }, 30s)) << log();
    return p;
  }
  std::string log() { return readFile(dir_.file("sluice.log")).substr(0, 6000); }
  std::string taskState(const std::string& name) {
    auto r = http(port_, "GET", "/connectors/" + name + "/status");
    if (r.status != 200) return "";
    auto v = json::parse(r.body);
    auto& tasks = v.at("tasks").as_array();
    return tasks.empty() ? "" : std::string(tasks[0].at("state").as_string());
  }
  /// Sum of a metric's samples for one connector on /metrics.
  double metric(const std::string& name, const std::string& connector) {
    std::string text = http(port_, "GET", "/metrics").body;
    double total = 0;
    size_t pos = 0;
    while ((pos = text.find(name + "{", pos)) != std::string::npos) {
      size_t end = text.find('\n', pos);
      std::string line = text.substr(pos, end - pos);
      pos = end;
      if (line.find("connector=\"" + connector + "\"") != std::string::npos) total += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return total;
  }
  int postgresScript(const std::string& args, const std::string& env = "") {
    Process p({"/bin/sh", "-c", env + " PG_PORT=" + pgPort() + " bash scripts/postgres.sh " + args}, sourceDir(),
              dir_.file("postgres-script.log"));
    return p.stop(0, 120s);
  }

  TempDir dir_;
  std::unique_ptr<kafka::Env> kafka_;
  int port_ = 0;
};

std::string event(int i, int64_t t, bool withColor) {
  json::object v{{"id", i}, {"name", "n" + std::to_string(i)}, {"amount", i * 0.5}, {"ok", i % 2 == 0}, {"t", t}};
  if (withColor) v["color"] = i % 2 ? "red" : "blue";
  return json::serialize(v);
}

// Insert mode: COPY of JSON objects into a table auto.created (types
// inferred), partitioned by day on the time field, then evolved when a new
// field appears mid-stream; bad records go to the dead letter queue with a
// message naming what is wrong, and everything else arrives exactly.
TEST_F(PostgresSinkTest, InsertModeWritesExactRowsEvolvesAndPartitionsByDay) {
  std::string t = unique("pgins"), dlq = t + "_dlq", table = t + "_events";
  topic(t, 2);
  topic(dlq, 1);
  auto p = start("pg-insert", t,
                 {{"table.name.format", "${topic}_events"}, {"auto.create", "true"}, {"auto.evolve", "true"},
                  {"time.field", "t"}, {"partition.interval", "daily"}, {"errors.tolerance", "all"},
                  {"errors.deadletterqueue.topic.name", dlq}, {"errors.deadletterqueue.context.headers.enable", "true"},
                  {"errors.deadletterqueue.topic.replication.factor", "1"}});
  const int64_t day0 = 1767225600000;  // 2026-01-01T00:00:00Z
  auto timeOf = [&](int i) { return day0 + (i % 3) * 86400000LL + i * 1000LL; };
  Producer prod;
  for (int i = 0; i < 300; ++i) prod.send(t, i % 2, std::nullopt, event(i, timeOf(i), false));
  prod.flush();
  ASSERT_TRUE(waitFor([&] { return scalar("SELECT count(*) FROM \"" + table + "\"") == 300; }, 60s)) << log();
  // Bad records, then the stream goes on with a new field.
  prod.send(t, 0, std::nullopt, std::string("[1,2]"));
  prod.send(t, 0, std::nullopt, std::string(R"({"id":"x7","t":1767225600000})"));
  prod.send(t, 1, std::nullopt, std::nullopt);
  prod.send(t, 1, std::nullopt, std::string(R"({"id":9001,"t":"yesterday"})"));
  for (int i = 300; i < 500; ++i) prod.send(t, i % 2, std::nullopt, event(i, timeOf(i), true));
  prod.flush();
  ASSERT_TRUE(waitFor([&] { return scalar("SELECT count(*) FROM \"" + table + "\"") == 500; }, 60s)) << log();

  auto rows = query("SELECT id, name, amount, ok, (extract(epoch FROM t) * 1000)::bigint, coalesce(color, '-') FROM \"" +
                    table + "\" ORDER BY id");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 500u);
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> want{std::to_string(i), "n" + std::to_string(i), json::serialize(json::value(i * 0.5)),
                                  i % 2 == 0 ? "t" : "f", std::to_string(timeOf(i)),
                                  i < 300 ? "-" : (i % 2 ? "red" : "blue")};
    // amount comes back in PostgreSQL's float8 text: 0, 0.5, 1, 1.5 ...
    want[2] = i % 2 ? std::to_string(i / 2) + ".5" : std::to_string(i / 2);
    ASSERT_EQ((*rows)[static_cast<size_t>(i)], want) << "row " << i;
  }
  auto types = query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '" + table +
                     "' ORDER BY ordinal_position");
  ASSERT_TRUE(types);
  Rows wantTypes{{"id", "bigint"}, {"name", "text"}, {"amount", "double precision"}, {"ok", "boolean"},
                 {"t", "timestamp with time zone"}, {"color", "text"}};
  EXPECT_EQ(*types, wantTypes);
  // One partition per day the records fall on, named after it.
  auto parts = query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '\"" +
                     table + "\"'::regclass ORDER BY 1");
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, (Rows{{table + "_p20260101"}, {table + "_p20260102"}, {table + "_p20260103"}}));
  // The offsets table covers every record, the bad ones included.
  EXPECT_EQ(scalar("SELECT sum(next_offset) FROM sluice_offsets WHERE connector = 'pg-insert' AND topic = '" + t + "'"), 504);

  auto dead = readDeadLetters(dlq, 4, 30s);
  ASSERT_EQ(dead.size(), 4u) << log();
  std::multiset<std::string> messages;
  for (const auto& d : dead) messages.insert(d.message);
  auto has = [&](const std::string& part) {
    for (const auto& m : messages)
      if (m.find(part) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("the value is an array, not a JSON object")) << *messages.begin();
  EXPECT_TRUE(has("field 'id' does not fit column \"id\" (bigint)")) << *messages.begin();
  EXPECT_TRUE(has("expected an integer, got the string \"x7\""));
  EXPECT_TRUE(has("the value is null (a tombstone)"));
  EXPECT_TRUE(has("time field 't' is the string \"yesterday\", not epoch milliseconds or an ISO-8601 timestamp"));
  EXPECT_EQ(taskState("pg-insert"), "RUNNING");
  EXPECT_EQ(p->stop(SIGINT, 30s), 0);
}

// Upsert mode keyed by the record key: every key ends with its latest value,
// also when one batch holds the same key several times; a wrong password
// fails its task with the server's message and never shows the password; a
// missing table without auto.create fails its task and commits nothing.
TEST_F(PostgresSinkTest, UpsertModeKeepsTheLatestValuePerKey) {
  std::string t = unique("pgups");
  topic(t, 3);
  Producer prod;
  for (int round = 0; round < 3; ++round)
    for (int k = 0; k < 100; ++k) {
      json::object v{{"v", round}, {"note", "round " + std::to_string(round)}};
      if (round == 2 && k % 10 == 0) v["extra"] = json::object{{"nested", k}};
      prod.send(t, k % 3, "k" + std::to_string(k), json::serialize(v));
    }
  prod.flush();
  auto p = start("pg-upsert", t,
                 {{"insert.mode", "upsert"}, {"pk.mode", "record_key"}, {"pk.fields", "k"}, {"auto.create", "true"},
                  {"auto.evolve", "true"}});
  ASSERT_TRUE(waitFor([&] { return scalar("SELECT sum(next_offset) FROM sluice_offsets WHERE topic = '" + t + "'") == 300; }, 60s))
      << log();
  auto rows = query("SELECT k, v, note, coalesce(extra::text, '-') FROM \"" + t + "\" ORDER BY k");
  ASSERT_TRUE(rows);
  Rows want;
  for (int k = 0; k < 100; ++k)
    want.push_back({"k" + std::to_string(k), "2", "round 2",
                    k % 10 == 0 ? "{\"nested\": " + std::to_string(k) + "}" : "-"});
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*rows, want);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_index i WHERE i.indrelid = '\"" + t + "\"'::regclass AND i.indisprimary"), 1);

  // A second connector with a wrong password: FAILED, named reason, secret hidden.
  json::object bad{{"connector.class", "postgres-sink"}, {"topics", t}, {"connection.url", pgUrl()},
                   {"connection.password", "not-the-password"}};
  auto r = http(port_, "PUT", "/connectors/pg-badpw/config", json::serialize(bad));
  ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
  ASSERT_TRUE(waitFor([&] { return taskState("pg-badpw") == "FAILED"; }, 30s)) << log();
  auto st = http(port_, "GET", "/connectors/pg-badpw/status");
  EXPECT_NE(st.body.find("password authentication failed for user"), std::string::npos) << st.body;
  EXPECT_EQ(st.body.find("not-the-password"), std::string::npos);
  auto cfg = http(port_, "GET", "/connectors/pg-badpw/config");
  EXPECT_EQ(cfg.body.find("not-the-password"), std::string::npos) << cfg.body;

  // A table that does not exist, with auto.create off: FAILED, saying so.
  json::object noTable{{"connector.class", "postgres-sink"}, {"topics", t}, {"connection.url", pgUrl()},
                       {"connection.password", "sluice"}, {"table.name.format", "absent_${topic}"}};
  r = http(port_, "PUT", "/connectors/pg-notable/config", json::serialize(noTable));
  ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
  ASSERT_TRUE(waitFor([&] { return taskState("pg-notable") == "FAILED"; }, 30s)) << log();
  st = http(port_, "GET", "/connectors/pg-notable/status");
  EXPECT_NE(st.body.find("table \\\"absent_" + t + "\\\" does not exist and auto.create is false"), std::string::npos) << st.body;
  EXPECT_EQ(scalar("SELECT count(*) FROM sluice_offsets WHERE connector = 'pg-notable' AND next_offset > 0"), 0);
  EXPECT_EQ(taskState("pg-upsert"), "RUNNING");
  EXPECT_EQ(p->stop(SIGINT, 30s), 0);
}

// Exactly-once across kill -9: the host's own checkpoint lags far behind
// (10 s), so every restart re-delivers records the database already has; the
// offsets written in the same transaction as the rows make the sink skip
// them. The table ends with every record exactly once. Three tasks write
// concurrently, and the restarts move partitions between them.
TEST_F(PostgresSinkTest, KillNineInMidStreamWritesEveryRecordExactlyOnce) {
  std::string t = unique("pgeos");
  const int n = 30000;
  topic(t, 3);
  {
    Producer prod;
    for (int i = 0; i < n; ++i) prod.send(t, i % 3, std::nullopt, R"({"id":)" + std::to_string(i) + R"(,"p":"x"})");
    prod.flush();
  }
  // Three tasks, one per partition: they race to create the table and share
  // the offsets table (rows locked per partition).
  json::object cfg{{"auto.create", "true"}, {"rate.limit.records.per.second", "5000"}, {"batch.size", "500"},
                   {"tasks.max", "3"}};
  auto count = [&] { return scalar("SELECT count(*) FROM \"" + t + "\""); };
  auto p = start("pg-eos", t, cfg, 10000);
  for (int64_t target : {6000, 15000}) {
    ASSERT_TRUE(waitFor([&] { return count() >= target; }, 60s)) << count() << "\n" << log();
    EXPECT_EQ(p->stop(SIGKILL, 10s), 128 + SIGKILL);
    std::cout << "killed sluice at " << count() << " rows\n";
    p = start("pg-eos", t, cfg, 10000);
  }
  ASSERT_TRUE(waitFor([&] { return count() >= n; }, 90s)) << count() << "\n" << log();
  EXPECT_EQ(p->stop(SIGINT, 30s), 0);
  auto r = query("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM \"" + t + "\"");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->front(), (std::vector<std::string>{std::to_string(n), std::to_string(n), "0", std::to_string(n - 1)}));
  EXPECT_EQ(scalar("SELECT sum(next_offset) FROM sluice_offsets WHERE connector = 'pg-eos' AND topic = '" + t + "'"), n);
  // The restarts really re-delivered written records, and the sink skipped them.
  EXPECT_NE(readFile(dir_.file("sluice.log")).find("records below the offsets stored in"), std::string::npos) << log();
}

// The database goes away mid-stream: puts fail with retriable errors (the
// host pauses, retries and opens its breaker), the task stays RUNNING, and
// once the server is back everything arrives, once.
TEST_F(PostgresSinkTest, PostgresRestartInMidStreamRetriesThenCatchesUp) {
  std::string t = unique("pgbounce");
  const int n = 20000;
  topic(t, 2);
  {
    Producer prod;
    for (int i = 0; i < n; ++i) prod.send(t, i % 2, std::nullopt, R"({"id":)" + std::to_string(i) + "}");
    prod.flush();
  }
  auto count = [&] { return scalar("SELECT count(*) FROM \"" + t + "\""); };
  auto p = start("pg-bounce", t,
                 {{"auto.create", "true"}, {"rate.limit.records.per.second", "4000"},
                  {"errors.breaker.failure.threshold", "3"}, {"errors.breaker.open.ms", "500"}});
  ASSERT_TRUE(waitFor([&] { return count() >= 3000; }, 60s)) << log();
  ASSERT_EQ(postgresScript("down", "KEEP_DATA=1"), 0) << readFile(dir_.file("postgres-script.log"));
  ASSERT_EQ(postgresScript("status"), 3) << "the server must really be down";
  // The host's breaker opens on the sink's retriable errors (and says why).
  ASSERT_TRUE(waitFor([&] { return readFile(dir_.file("sluice.log")).find("circuit breaker open") != std::string::npos; }, 30s))
      << log();
  EXPECT_NE(readFile(dir_.file("sluice.log")).find("cannot connect to PostgreSQL"), std::string::npos);
  EXPECT_GT(metric("sluice_task_retries_total", "pg-bounce"), 0);
  EXPECT_EQ(taskState("pg-bounce"), "RUNNING");
  ASSERT_EQ(postgresScript("up"), 0) << readFile(dir_.file("postgres-script.log"));
  ASSERT_TRUE(waitFor([&] { return count() >= n; }, 60s)) << count() << "\n" << log();
  auto r = query("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM \"" + t + "\"");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->front(), (std::vector<std::string>{std::to_string(n), std::to_string(n), "0", std::to_string(n - 1)}));
  EXPECT_EQ(taskState("pg-bounce"), "RUNNING");
  EXPECT_NE(readFile(dir_.file("sluice.log")).find("circuit breaker closed"), std::string::npos);
  EXPECT_EQ(p->stop(SIGINT, 30s), 0);
}

}  // namespace
}  // namespace sluice::test

// rabbitmq-source end to end: a real RabbitMQ (scripts/rabbitmq.sh, ctest
// fixture `rabbitmq`), the real Kafka broker of the integration suite
// (fixture `kafka`) and the real sluice binary. Messages are published with
// publisher confirms (so they are surely in the queue), read back from Kafka
// with a plain librdkafka consumer, and the queue is inspected with a passive
// declare. At least once across the bridge: every message arrives; duplicates
// only come from the unacknowledged window (at most rabbitmq.prefetch.count
// messages per crash or lost connection); after a clean stop the queue is
// empty, so everything was acked.
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <sys/time.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

int rabbitPort() {
  const char* p = std::getenv("SLUICE_TEST_RABBITMQ_PORT");
  return p ? std::atoi(p) : 19672;
}
// scripts/rabbitmq.sh's defaults.
const char* kUser = "sluice";
const char* kPassword = "sluice-secret";

// AMQP timestamps of the test messages: base + i seconds. Recent, because
// Kafka's time-based retention (7 days) would delete records carrying older
// timestamps, and in the past, because Kafka refuses timestamps more than
// an hour ahead.
int64_t timestampBase() {
  static const int64_t base =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
      100000;
  return base;
}

std::string unique(const std::string& base) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return base + "-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

// --- a small AMQP client for the test's side: publish, inspect ------------

class Amqp {
 public:
  Amqp() {
    conn_ = amqp_new_connection();
    amqp_socket_t* sock = amqp_tcp_socket_new(conn_);
    timeval tv{5, 0};
    if (amqp_socket_open_noblock(sock, "127.0.0.1", rabbitPort(), &tv) != AMQP_STATUS_OK)
      throw std::runtime_error("cannot connect to RabbitMQ on port " + std::to_string(rabbitPort()));
    (void)amqp_set_rpc_timeout(conn_, &tv);
    check(amqp_login(conn_, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, kUser, kPassword), "login");
    amqp_channel_open(conn_, 1);
    check(amqp_get_rpc_reply(conn_), "channel.open");
  }
  ~Amqp() {
    (void)amqp_channel_close(conn_, 1, AMQP_REPLY_SUCCESS);
    (void)amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
  }
  Amqp(const Amqp&) = delete;
  Amqp& operator=(const Amqp&) = delete;

  void declare(const std::string& queue) {
    amqp_queue_declare(conn_, 1, amqp_cstring_bytes(queue.c_str()), 0, 1, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "queue.declare");
  }
  void remove(const std::string& queue) {
    amqp_queue_delete(conn_, 1, amqp_cstring_bytes(queue.c_str()), 0, 0);
    check(amqp_get_rpc_reply(conn_), "queue.delete");
  }
  /// Ready messages (delivered-but-unacked ones do not count).
  uint32_t depth(const std::string& queue, uint32_t* consumers = nullptr) {
    auto* ok = amqp_queue_declare(conn_, 1, amqp_cstring_bytes(queue.c_str()), 1, 0, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "queue.declare passive");
    if (consumers) *consumers = ok->consumer_count;
    return ok->message_count;
  }

  /// Publish `n` persistent messages "m-<i>" (i from `first`) to the default
  /// exchange with routing key `queue`, and wait for the broker's confirms.
  void publish(const std::string& queue, int first, int n) {
    amqp_confirm_select(conn_, 1);
    check(amqp_get_rpc_reply(conn_), "confirm.select");
    for (int i = first; i < first + n; ++i) {
      std::string body = "m-" + std::to_string(i), id = "id-" + std::to_string(i), k = "key-" + std::to_string(i % 7);
      amqp_table_entry_t h[4];
      h[0].key = amqp_cstring_bytes("k");
      h[0].value.kind = AMQP_FIELD_KIND_UTF8;
      h[0].value.value.bytes = amqp_cstring_bytes(k.c_str());
      h[1].key = amqp_cstring_bytes("n");
      h[1].value.kind = AMQP_FIELD_KIND_I64;
      h[1].value.value.i64 = -i;
      h[2].key = amqp_cstring_bytes("flag");
      h[2].value.kind = AMQP_FIELD_KIND_BOOLEAN;
      h[2].value.value.boolean = 1;
      h[3].key = amqp_cstring_bytes("price");
      h[3].value.kind = AMQP_FIELD_KIND_DECIMAL;
      h[3].value.value.decimal = {2, 12345};
      amqp_basic_properties_t p{};
      p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                 AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_HEADERS_FLAG;
      p.content_type = amqp_cstring_bytes("text/plain");
      p.delivery_mode = 2;
      p.message_id = amqp_cstring_bytes(id.c_str());
      p.timestamp = static_cast<uint64_t>(timestampBase() + i);
      p.headers = {4, h};
      if (amqp_basic_publish(conn_, 1, amqp_empty_bytes, amqp_cstring_bytes(queue.c_str()), 0, 0, &p,
                             amqp_cstring_bytes(body.c_str())) != AMQP_STATUS_OK)
        throw std::runtime_error("basic.publish failed");
    }
    // Confirms: publish sequence numbers 1..n on this channel.
    uint64_t confirmed = confirmed_;
    uint64_t want = confirmed_ + static_cast<uint64_t>(n);
    while (confirmed < want) {
      amqp_frame_t f;
      timeval tv{30, 0};
      if (amqp_simple_wait_frame_noblock(conn_, &f, &tv) != AMQP_STATUS_OK)
        throw std::runtime_error("no publisher confirm within 30 s");
      if (f.frame_type != AMQP_FRAME_METHOD) continue;
      if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) throw std::runtime_error("the broker nacked a publish");
      if (f.payload.method.id != AMQP_BASIC_ACK_METHOD) continue;
      auto* ack = static_cast<amqp_basic_ack_t*>(f.payload.method.decoded);
      confirmed = ack->multiple ? ack->delivery_tag : std::max(confirmed, ack->delivery_tag);
    }
    confirmed_ = confirmed;
  }

 private:
  static void check(const amqp_rpc_reply_t& r, const char* what) {
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
      throw std::runtime_error(std::string("AMQP ") + what + " failed (reply type " + std::to_string(r.reply_type) + ")");
  }
  amqp_connection_state_t conn_;
  uint64_t confirmed_ = 0;
};

// Ready messages in `queue`, or -1 when RabbitMQ cannot be asked right now.
int64_t depthOrMinusOne(const std::string& queue) {
  try {
    Amqp a;
    return a.depth(queue);
  } catch (const std::exception&) {
    return -1;
  }
}

// --- the Kafka side: a plain consumer ---------------------------------------

struct KafkaRecord {
  std::optional<std::string> key;
  std::string value;
  int64_t timestampMs = 0;
  std::map<std::string, std::optional<std::string>> headers;
};

class Kafka {
 public:
  Kafka() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafkaBootstrap().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", unique("rmq-test-reader").c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk_) throw std::runtime_error(err);
  }
  ~Kafka() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  /// Records in the topic: the sum of its partitions' high watermarks.
  int64_t count(const std::string& topic, int partitions) {
    int64_t sum = 0;
    for (int p = 0; p < partitions; ++p) {
      int64_t lo = 0, hi = 0;
      if (rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lo, &hi, 2000)) return -1;
      sum += hi;
    }
    return sum;
  }
  /// Every record of the topic, read from the beginning to the high
  /// watermarks taken when called.
  std::vector<KafkaRecord> readAll(const std::string& topic, int partitions) {
    std::vector<int64_t> high(partitions);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
    int64_t left = 0;
    for (int p = 0; p < partitions; ++p) {
      int64_t lo = 0;
      if (rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lo, &high[p], 5000))
        throw std::runtime_error("no watermarks for " + topic);
      left += high[p] - lo;
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(rk_, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    std::vector<KafkaRecord> out;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (left > 0 && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 200);
      if (!m) continue;
      if (!m->err && m->offset < high[m->partition]) {
        KafkaRecord r;
        if (m->key) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
        r.value = std::string(static_cast<const char*>(m->payload), m->len);
        rd_kafka_timestamp_type_t type;
        r.timestampMs = rd_kafka_message_timestamp(m, &type);
        rd_kafka_headers_t* hdrs = nullptr;
        if (!rd_kafka_message_headers(m, &hdrs)) {
          const char* name;
          const void* v;
          size_t len;
          for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &v, &len); ++i)
            r.headers[name] = v ? std::optional<std::string>(std::string(static_cast<const char*>(v), len)) : std::nullopt;
        }
        out.push_back(std::move(r));
        --left;
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(rk_, nullptr);
    if (left > 0) throw std::runtime_error("could not read " + std::to_string(left) + " records of " + topic);
    return out;
  }

 private:
  rd_kafka_t* rk_;
};

// --- the pipeline: sluice with one rabbitmq-source connector -----------------

class RabbitMqSource : public ::testing::Test {
 protected:
  void SetUp() override {
    queue_ = unique("rmq-src");
    topic_ = unique("rmq-topic");
    port_ = freePort();
    try {
      Amqp a;
      a.declare(queue_);
    } catch (const std::exception& e) {
      FAIL() << e.what() << " (is the rabbitmq fixture up? scripts/rabbitmq.sh up)";
    }
  }
  void TearDown() override {
    sluice_.reset();
    try {
      Amqp a;
      a.remove(queue_);
    } catch (const std::exception&) {
    }
  }

  /// Worker and connector configs. `extra` goes into the connector config,
  /// on top of configs/example-rabbitmq-source.json with `fromExample`.
  void write(const json::object& extra, bool fromExample = false) {
    json::object worker{{"listeners", "http://127.0.0.1:" + std::to_string(port_)},
                        {"bootstrap.servers", kafkaBootstrap()},
                        {"state.dir", "state"},
                        {"offset.flush.interval.ms", "500"},
                        {"producer.linger.ms", "5"}};
    json::object config{{"connector.class", "rabbitmq-source"},
                        {"rabbitmq.queue", queue_},
                        {"kafka.topic", topic_},
                        {"kafka.key.source", "header"},
                        {"kafka.key.header", "k"},
                        {"topic.creation.default.partitions", std::to_string(kPartitions)},
                        {"topic.creation.default.replication.factor", "1"}};
    if (fromExample) {
      json::object shipped =
          json::parse(readFile(sourceDir() + "/configs/example-rabbitmq-source.json")).at("config").as_object();
      for (const auto& [k, v] : config) shipped[k] = v;
      config = std::move(shipped);
    }
    for (const auto& [k, v] : extra) config[k] = v;
    writeFile(dir_.file("worker.json"), json::serialize(worker));
    writeFile(dir_.file("rmq.json"), json::serialize(json::object{{"name", "rmq"}, {"config", config}}));
  }
  json::object byUri(int prefetch) {
    return {{"rabbitmq.uri", "amqp://" + std::string(kUser) + ":" + kPassword + "@127.0.0.1:" +
                                 std::to_string(rabbitPort()) + "/%2F"},
            {"rabbitmq.prefetch.count", std::to_string(prefetch)}};
  }
  void start() {
    sluice_ = std::make_unique<Process>(std::vector<std::string>{sluiceBinary(), "run", "worker.json", "rmq.json"},
                                        dir_.path(), dir_.file("sluice.log"));
    ASSERT_TRUE(waitFor([&] { return http(port_, "GET", "/ready").status == 200; }, 30s)) << log();
  }
  std::string taskState() {
    auto r = http(port_, "GET", "/connectors/rmq/status");
    if (r.status != 200) return "";
    auto v = json::parse(r.body);
    const auto& tasks = v.at("tasks").as_array();
    return tasks.empty() ? "" : std::string(tasks[0].at("state").as_string());
  }
  std::string log() { return readFile(dir_.file("sluice.log")).substr(0, 6000); }
  int script(const std::string& args, const std::string& env = "") {
    Process p({"/bin/sh", "-c", env + " RABBITMQ_PORT=" + std::to_string(rabbitPort()) + " bash scripts/rabbitmq.sh " + args},
              sourceDir(), dir_.file("script.log"));
    return p.stop(0, 180s);
  }
  /// Wait until RabbitMQ handed out everything and Kafka holds each of the
  /// `n` messages. Counting records is not enough: redelivered duplicates can
  /// reach `n` while the last messages are still delivered but unacked (the
  /// queue's depth counts only those ready), and a stop then requeues them.
  ::testing::AssertionResult drained(int n, std::chrono::seconds timeout) {
    bool ok = waitFor([&] {
      if (kafka_.count(topic_, kPartitions) < n || depthOrMinusOne(queue_) != 0) return false;
      std::set<std::string> distinct;
      for (const auto& r : kafka_.readAll(topic_, kPartitions)) distinct.insert(r.value);
      return distinct.size() >= static_cast<size_t>(n);
    }, timeout);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "queue depth " << depthOrMinusOne(queue_) << ", " << kafka_.count(topic_, kPartitions)
                                         << " records in Kafka, want " << n << "\n" << log();
  }
  /// Each of m-0..m-(n-1) arrived; returns how many records there were.
  size_t expectEveryMessage(int n, const std::vector<KafkaRecord>& recs) {
    std::map<std::string, int> seen;
    for (const auto& r : recs) ++seen[r.value];
    for (int i = 0; i < n; ++i) EXPECT_GE(seen["m-" + std::to_string(i)], 1) << "lost m-" << i;
    EXPECT_EQ(seen.size(), static_cast<size_t>(n)) << "only the published messages";
    return recs.size();
  }

  static constexpr int kPartitions = 3;
  TempDir dir_;
  std::string queue_, topic_;
  int port_ = 0;
  Kafka kafka_;
  std::unique_ptr<Process> sluice_;
};

TEST_F(RabbitMqSource, DeliversEveryMessageOnceWithItsPropertiesAndAcksThemAll) {
  const int n = 3000;
  Amqp().publish(queue_, 0, n);
  // The shipped example with separate options; its password comes from the
  // environment (a secret).
  ::setenv("RABBITMQ_PASSWORD", kPassword, 1);
  write({{"rabbitmq.host", "127.0.0.1"}, {"rabbitmq.port", std::to_string(rabbitPort())},
         {"rabbitmq.username", kUser}, {"rabbitmq.prefetch.count", "300"}}, true);
  auto t0 = std::chrono::steady_clock::now();
  start();
  ASSERT_TRUE(drained(n, 60s));
  std::cout << n << " messages through in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
            << " ms, sluice start included\n";
  // The password is a placeholder resolved only at start: the API shows the
  // reference, and the secret itself appears neither there nor in the log.
  auto config = http(port_, "GET", "/connectors/rmq/config");
  EXPECT_EQ(json::parse(config.body).at("rabbitmq.password"), "${env:RABBITMQ_PASSWORD}") << config.body;
  EXPECT_EQ(config.body.find(kPassword), std::string::npos) << config.body;
  uint32_t consumers = 0;
  EXPECT_EQ(Amqp().depth(queue_, &consumers), 0u);
  EXPECT_EQ(consumers, 1u) << "the task consumes";
  EXPECT_EQ(sluice_->stop(SIGINT, 60s), 0) << log();
  // Everything was acked: nothing came back to the queue when the
  // connection closed.
  EXPECT_EQ(Amqp().depth(queue_), 0u) << log();
  EXPECT_EQ(readFile(dir_.file("sluice.log")).find(kPassword), std::string::npos) << "the secret leaked into the log";

  auto recs = kafka_.readAll(topic_, kPartitions);
  EXPECT_EQ(expectEveryMessage(n, recs), static_cast<size_t>(n)) << "no failure, so no duplicate";
  std::set<int> keys;
  for (const auto& r : recs) {
    int i = std::stoi(r.value.substr(2));
    ASSERT_TRUE(r.key.has_value()) << r.value;
    EXPECT_EQ(*r.key, "key-" + std::to_string(i % 7)) << "key from header k";
    EXPECT_EQ(r.timestampMs, (timestampBase() + i) * 1000) << "the AMQP timestamp (seconds)";
    std::map<std::string, std::optional<std::string>> want{
        {"rabbitmq.content.type", "text/plain"}, {"rabbitmq.delivery.mode", "2"},
        {"rabbitmq.message.id", "id-" + std::to_string(i)}, {"rabbitmq.timestamp", std::to_string(timestampBase() + i)},
        {"rabbitmq.exchange", ""}, {"rabbitmq.routing.key", queue_}, {"rabbitmq.redelivered", "false"},
        {"k", "key-" + std::to_string(i % 7)}, {"n", std::to_string(-i)}, {"flag", "true"}, {"price", "123.45"}};
    EXPECT_EQ(r.headers, want) << r.value;
    keys.insert(i % 7);
    if (r.headers != want) break;  // one record's difference says it
  }
  EXPECT_EQ(keys.size(), 7u);
}

TEST_F(RabbitMqSource, KillNineInMidStreamLosesNothingAndDuplicatesOnlyTheUnackedWindow) {
  const int n = 16000, prefetch = 200, kills = 2;
  Amqp().publish(queue_, 0, n);
  auto cfg = byUri(prefetch);
  cfg["rate.limit.records.per.second"] = "4000";  // a stream of about 4 s
  write(cfg);
  start();
  auto config = http(port_, "GET", "/connectors/rmq/config");
  EXPECT_EQ(json::parse(config.body).at("rabbitmq.uri"), "[hidden]") << "the URI holds the password: " << config.body;
  for (int k = 0; k < kills; ++k) {
    int64_t target = (k + 1) * n / (kills + 2);
    ASSERT_TRUE(waitFor([&] { return kafka_.count(topic_, kPartitions) >= target; }, 60s)) << log();
    EXPECT_EQ(sluice_->stop(SIGKILL, 10s), 128 + SIGKILL);
    EXPECT_GT(depthOrMinusOne(queue_), 0) << "killed in mid-stream";
    start();
  }
  ASSERT_TRUE(drained(n, 90s));
  EXPECT_EQ(sluice_->stop(SIGINT, 60s), 0) << log();
  EXPECT_EQ(Amqp().depth(queue_), 0u) << "all acked after the clean stop";
  size_t total = expectEveryMessage(n, kafka_.readAll(topic_, kPartitions));
  size_t dups = total - n;
  std::cout << "kill -9 x" << kills << ": " << total << " records for " << n << " messages, " << dups
            << " duplicates (bound: " << kills * prefetch << ")\n";
  EXPECT_LE(dups, static_cast<size_t>(kills * prefetch)) << "only messages delivered but not acked can repeat";
}

TEST_F(RabbitMqSource, RabbitMqRestartInMidStreamReconnectsAndLosesNothing) {
  const int n = 12000, prefetch = 200;
  Amqp().publish(queue_, 0, n);
  auto cfg = byUri(prefetch);
  cfg["rate.limit.records.per.second"] = "3000";
  cfg["rabbitmq.connection.timeout.ms"] = "2000";
  write(cfg);
  start();
  ASSERT_TRUE(waitFor([&] { return kafka_.count(topic_, kPartitions) >= n / 4; }, 60s)) << log();
  // A clean broker shutdown; KEEP_DATA=1 keeps the durable queue and its
  // persistent messages for the restart.
  ASSERT_EQ(script("down", "KEEP_DATA=1"), 0) << readFile(dir_.file("script.log"));
  ASSERT_EQ(script("status"), 3) << "RabbitMQ must really be down";
  int64_t during = kafka_.count(topic_, kPartitions);
  EXPECT_LT(during, n) << "restarted in mid-stream";
  ASSERT_EQ(script("up"), 0) << readFile(dir_.file("script.log"));
  ASSERT_TRUE(drained(n, 90s));
  EXPECT_EQ(taskState(), "RUNNING") << "a lost connection is retriable";
  EXPECT_EQ(sluice_->stop(SIGINT, 60s), 0) << log();
  EXPECT_EQ(Amqp().depth(queue_), 0u) << "all acked after the clean stop";
  std::string l = readFile(dir_.file("sluice.log"));
  EXPECT_NE(l.find("session 2"), std::string::npos) << "reconnected:\n" << l.substr(0, 6000);
  size_t total = expectEveryMessage(n, kafka_.readAll(topic_, kPartitions));
  std::cout << "RabbitMQ restart with " << during << " of " << n << " in Kafka: " << total << " records, "
            << total - n << " duplicates (bound: " << prefetch << ")\n";
  EXPECT_LE(total - n, static_cast<size_t>(prefetch));
}

}  // namespace
}  // namespace sluice::test

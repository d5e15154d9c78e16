#include "tests/support/connector_harness.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <csignal>

#include "host/kafka/env.h"

namespace sluice::test {
namespace json = boost::json;
using namespace std::chrono_literals;

std::string uniqueName(const std::string& base) {
  static int n = 0;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return base + "-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) + "-" +
         std::to_string(++n);
}

void createTopic(const std::string& topic, int partitions) {
  auto env = kafka::Env::create(kafkaBootstrap(), {}, {}, {});
  ASSERT_TRUE(env.isOk()) << env.status().message();
  Status s = (*env)->ensureTopic(topic, partitions, 1);
  ASSERT_TRUE(s.isOk()) << "creating " << topic << ": " << s.message();
}

void produce(const std::string& topic, const std::vector<KafkaRecord>& records) {
  auto rk = kafka::newClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", kafkaBootstrap()},
                                                 {"linger.ms", "5"},
                                                 {"enable.idempotence", "true"}});
  ASSERT_TRUE(rk.isOk()) << rk.status().message();
  rd_kafka_t* p = *rk;
  for (const auto& r : records) {
    rd_kafka_headers_t* hs = nullptr;
    if (!r.headers.empty()) {
      hs = rd_kafka_headers_new(r.headers.size());
      for (const auto& [k, v] : r.headers) rd_kafka_header_add(hs, k.data(), static_cast<ssize_t>(k.size()), v.data(), static_cast<ssize_t>(v.size()));
    }
    rd_kafka_resp_err_t err;
    const void* key = r.key ? r.key->data() : nullptr;
    size_t keyLen = r.key ? r.key->size() : 0;
    void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
    size_t valueLen = r.value ? r.value->size() : 0;
    while (true) {
      err = rd_kafka_producev(
          p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
          RD_KAFKA_V_KEY(key, keyLen), RD_KAFKA_V_VALUE(value, valueLen),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(p, 50);
    }
    if (err) {
      if (hs) rd_kafka_headers_destroy(hs);
      ADD_FAILURE() << "produce to " << topic << ": " << rd_kafka_err2str(err);
      break;
    }
  }
  EXPECT_EQ(rd_kafka_flush(p, 60000), RD_KAFKA_RESP_ERR_NO_ERROR) << "records not acknowledged within 60 s";
  rd_kafka_destroy(p);
}

std::vector<KafkaRecord> consumeAll(const std::string& topic, size_t count, std::chrono::milliseconds timeout) {
  std::vector<KafkaRecord> out;
  auto rk = kafka::newClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", kafkaBootstrap()},
                                                 {"group.id", uniqueName("test-reader")},
                                                 {"enable.auto.commit", "false"},
                                                 {"auto.offset.reset", "earliest"}});
  EXPECT_TRUE(rk.isOk()) << rk.status().message();
  if (!rk.isOk()) return out;
  rd_kafka_t* c = *rk;
  rd_kafka_poll_set_consumer(c);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(c, sub);
  rd_kafka_topic_partition_list_destroy(sub);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
    if (!m) continue;
    if (!m->err) {
      KafkaRecord r;
      if (m->key) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value = std::string(static_cast<const char*>(m->payload), m->len);
      r.partition = m->partition;
      rd_kafka_headers_t* hs = nullptr;
      if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
          r.headers.emplace_back(name, val ? std::string(static_cast<const char*>(val), size) : "");
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return out;
}

SluiceRun::SluiceRun(json::object worker) {
  port_ = freePort();
  json::object w{{"listeners", "http://127.0.0.1:" + std::to_string(port_)},
                 {"bootstrap.servers", kafkaBootstrap()},
                 {"state.dir", "state"},
                 {"offset.flush.interval.ms", "500"},
                 {"checkpoint.interval.ms", "500"},
                 // A killed consumer stays in its group until its session
                 // expires; keep that short so a restart rejoins quickly.
                 {"consumer.session.timeout.ms", "6000"},
                 {"consumer.heartbeat.interval.ms", "1000"}};
  for (const auto& [k, v] : worker) w[k] = v;
  writeFile(dir_.file("worker.json"), json::serialize(w));
}

SluiceRun::~SluiceRun() {
  if (process_ && process_->running()) process_->stop(SIGKILL, 10s);
}

void SluiceRun::addConnector(const std::string& name, const json::object& config) {
  std::string file = "connector-" + std::to_string(files_.size()) + ".json";
  writeFile(dir_.file(file), json::serialize(json::object{{"name", name}, {"config", config}}));
  files_.push_back(file);
}

void SluiceRun::start() {
  std::vector<std::string> argv{sluiceBinary(), "run", "worker.json"};
  argv.insert(argv.end(), files_.begin(), files_.end());
  process_ = std::make_unique<Process>(argv, dir_.path(), dir_.file("sluice.log"));
  ASSERT_TRUE(waitFor([&] { return http(port_, "GET", "/ready").status == 200 || !process_->running(); }, 30s));
  ASSERT_TRUE(process_->running()) << "sluice exited at start:\n" << log();
}

int SluiceRun::stop(int signal, std::chrono::milliseconds timeout) {
  if (!process_) return -1;
  int rc = process_->stop(signal, timeout);
  process_.reset();
  return rc;
}

bool SluiceRun::running() { return process_ && process_->running(); }

std::string SluiceRun::log() const { return readFile(dir_.file("sluice.log")); }

json::value SluiceRun::status(const std::string& connector) const {
  auto r = http(port_, "GET", "/connectors/" + connector + "/status");
  if (r.status != 200) return json::object{};
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  return ec ? json::value(json::object{}) : v;
}

std::string SluiceRun::taskState(const std::string& connector) const {
  auto s = status(connector);
  const auto* tasks = s.is_object() ? s.as_object().if_contains("tasks") : nullptr;
  if (!tasks || !tasks->is_array() || tasks->as_array().empty()) return "";
  return std::string(tasks->as_array()[0].at("state").as_string());
}

double SluiceRun::metric(const std::string& name, const std::string& connector) const {
  std::string text = http(port_, "GET", "/metrics").body;
  double total = 0;
  std::string prefix = name + "{";
  for (size_t pos = 0; (pos = text.find(prefix, pos)) != std::string::npos;) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    pos = end;
    if (line.find("connector=\"" + connector + "\"") == std::string::npos) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

bool SluiceRun::waitRunning(const std::string& connector, std::chrono::milliseconds timeout) const {
  return waitFor([&] { return taskState(connector) == "RUNNING"; }, timeout);
}

}  // namespace sluice::test

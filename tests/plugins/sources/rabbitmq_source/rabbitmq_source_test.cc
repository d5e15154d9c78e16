// rabbitmq-source without a broker, on an in-process worker: bad connection
// settings fail the task with a message naming the option (and never quoting
// a secret); a broker that cannot be reached is retried, not fatal. The
// delivery itself is tested against a real RabbitMQ in
// tests/plugins/sources/rabbitmq_source/.
#include "tests/support/prom_text.h"
#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;

class RabbitMqSourceConfigTest : public WorkerFixture {
 protected:
  /// Create the connector and wait for its task to fail; returns the trace.
  std::string failure(std::map<std::string, std::string> cfg) {
    cfg["connector.class"] = "rabbitmq-source";
    cfg.emplace("rabbitmq.queue", "q");
    cfg.emplace("kafka.topic", "t");
    static int n = 0;
    std::string name = "rmq" + std::to_string(++n);
    auto created = herder_->create(name, cfg);
    if (!created.isOk()) return "refused at create: " + created.status().message();
    if (!waitFor([&] { return taskState(name) == "FAILED"; }, 10s)) return "task did not fail: " + taskState(name);
    return herder_->status(name)->tasks[0].trace;
  }
};

TEST_F(RabbitMqSourceConfigTest, BadConnectionSettingsFailTheTaskNamingTheOption) {
  const std::string secret = "s3cr3t-pw";
  std::string t = failure({{"rabbitmq.uri", "amqp://u:" + secret + "@h:5672/%2F"}, {"rabbitmq.host", "other"}});
  EXPECT_NE(t.find("rabbitmq.host is set, but rabbitmq.uri already says where"), std::string::npos) << t;
  EXPECT_EQ(t.find(secret), std::string::npos) << t;

  t = failure({{"rabbitmq.uri", "amqp://u:" + secret + "@h:5672/%2F"}, {"rabbitmq.password", "x"}});
  EXPECT_NE(t.find("rabbitmq.password is set, but rabbitmq.uri"), std::string::npos) << t;

  t = failure({{"rabbitmq.uri", "http://u:" + secret + "@h/"}});
  EXPECT_NE(t.find("rabbitmq.uri is not a valid AMQP URI"), std::string::npos) << t;
  EXPECT_EQ(t.find(secret), std::string::npos) << t;

  t = failure({{"rabbitmq.uri", "amqps://u:" + secret + "@h/"}});
  EXPECT_NE(t.find("amqps:// (TLS) is not supported"), std::string::npos) << t;

  t = failure({{"kafka.key.source", "header"}});
  EXPECT_NE(t.find("kafka.key.header must name a header"), std::string::npos) << t;

  // Checked by the host against the option table before anything starts.
  t = failure({{"kafka.key.source", "body"}});
  EXPECT_NE(t.find("kafka.key.source"), std::string::npos) << t;
  t = failure({{"rabbitmq.prefetch.count", "0"}});
  EXPECT_NE(t.find("rabbitmq.prefetch.count"), std::string::npos) << t;
}

TEST_F(RabbitMqSourceConfigTest, AnUnreachableBrokerIsRetriedNotFatal) {
  int port = freePort();  // nothing listens there
  ASSERT_TRUE(herder_->create("rmq", {{"connector.class", "rabbitmq-source"}, {"rabbitmq.host", "127.0.0.1"},
                                      {"rabbitmq.port", std::to_string(port)}, {"rabbitmq.queue", "q"},
                                      {"kafka.topic", "t"}, {"rabbitmq.connection.timeout.ms", "500"}}).isOk());
  std::string retries = taskSeries("sluice_task_retries_total", "rmq", "source");
  ASSERT_TRUE(waitFor([&] { return promValue(metrics_.serialize(), retries) >= 3; }, 20s)) << metrics_.serialize();
  EXPECT_EQ(taskState("rmq"), "RUNNING") << "a broker that is down is a retriable error";
}

}  // namespace
}  // namespace sluice::test

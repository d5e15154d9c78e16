// Observability of the real sluice process: /metrics passes `promtool check
// metrics` and every family is documented; a real Prometheus (Debian's
// package, scripts/prometheus.sh) scrapes a datagen at a fixed rate and
// PromQL gives that rate back; the alert rules and the Grafana dashboard
// are valid and only use documented metrics.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "host/config/worker_config.h"
#include "tests/support/prom_text.h"
#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const char* kSource = "datagen-orders";  // the shipped quickstart's names
const char* kSink = "orders-to-file";

// Metric families documented in docs/metrics.md: name -> type.
std::map<std::string, std::string> documentedMetrics() {
  std::map<std::string, std::string> out;
  std::regex row(R"(^\| `(sluice_[a-z0-9_]+)` \| (counter|gauge|histogram) \|)");
  for (const auto& line : readLines(sourceDir() + "/docs/metrics.md")) {
    std::smatch m;
    if (std::regex_search(line, m, row)) out[m[1]] = m[2];
  }
  return out;
}

// Every sluice_* metric name an expression text mentions, as a family name.
std::set<std::string> metricNamesIn(const std::string& text) {
  std::set<std::string> out;
  std::regex name(R"(sluice_[a-z0-9_]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (n.ends_with(suffix)) {
        n.resize(n.size() - std::string(suffix).size());
        break;
      }
    out.insert(n);
  }
  return out;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = freePort();
    auto worker = json::parse(readFile(sourceDir() + "/configs/quickstart-worker.json")).as_object();
    worker["listeners"] = "http://127.0.0.1:" + std::to_string(port_);
    writeFile(dir_.file("worker.json"), json::serialize(worker));
    writeFile(dir_.file("sink.json"), readFile(sourceDir() + "/configs/quickstart-file-sink.json"));
  }

  std::unique_ptr<Process> start(int recordsPerSecond) {
    auto src = json::parse(readFile(sourceDir() + "/configs/quickstart-datagen.json")).as_object();
    src["config"].as_object()["records.per.second"] = std::to_string(recordsPerSecond);
    writeFile(dir_.file("source.json"), json::serialize(src));
    auto p = std::make_unique<Process>(
        std::vector<std::string>{sluiceBinary(), "run", "worker.json", "source.json", "sink.json"}, dir_.path(),
        dir_.file("sluice.log"));
    EXPECT_TRUE(waitFor([&] { return http(port_, "GET", "/ready").status == 200; }, 30s)) << readFile(dir_.file("sluice.log"));
    return p;
  }

  std::string metrics() { return http(port_, "GET", "/metrics").body; }

  TempDir dir_;
  int port_ = 0;
};

TEST_F(ObservabilityTest, LiveMetricsPassPromtoolAndEveryFamilyIsDocumented) {
  auto p = start(200);
  // Wait until every kind of series has data: the sink has put records (end
  // to end latency), its lag was measured, the source has acknowledgements.
  std::string text;
  ASSERT_TRUE(waitFor([&] {
    text = metrics();
    return promValue(text, taskSeries("sluice_sink_task_end_to_end_latency_seconds_count", kSink, "sink")) > 0 &&
           promValue(text, taskSeries("sluice_source_task_ack_latency_seconds_count", kSource, "source")) > 0 &&
           !std::isnan(promValue(text, std::string("sluice_connector_consumer_lag_max_records{connector=\"") + kSink + "\"}")) &&
           !std::isnan(promValue(text, taskSeries("sluice_task_watermark_lag_seconds", kSource, "source")));
  }, 30s)) << text;
  EXPECT_EQ(promValue(text, "sluice_worker_tasks"), 2);
  EXPECT_EQ(promValue(text, "sluice_worker_connectors"), 2);

  writeFile(dir_.file("metrics.txt"), text);
  auto check = runCommand("promtool check metrics < " + shellQuote(dir_.file("metrics.txt")) + " 2>&1");
  EXPECT_EQ(check.exitCode, 0) << "promtool (install: scripts/deps.sh) says:\n" << check.output;
  EXPECT_EQ(check.output, "") << "lint problems";

  auto documented = documentedMetrics();
  ASSERT_GT(documented.size(), 20u) << "docs/metrics.md has no metric table";
  std::regex type(R"(^# TYPE (\S+) (\S+)$)");
  int families = 0;
  for (const auto& line : readLines(dir_.file("metrics.txt"))) {
    std::smatch m;
    if (!std::regex_match(line, m, type)) continue;
    ++families;
    auto it = documented.find(m[1]);
    if (it == documented.end()) {
      ADD_FAILURE() << m[1] << " is served but not in docs/metrics.md";
      continue;
    }
    EXPECT_EQ(it->second, m[2]) << m[1] << ": docs/metrics.md says " << it->second;
  }
  EXPECT_GE(families, 25);
  EXPECT_EQ(p->stop(SIGTERM, 30s), 0);
}

TEST_F(ObservabilityTest, RealPrometheusMeasuresTheDatagenRate) {
  constexpr double kRate = 200;
  auto p = start(static_cast<int>(kRate));
  int promPort = freePort();
  std::string promDir = dir_.file("prometheus");
  std::string script = sourceDir() + "/scripts/prometheus.sh";
  struct Down {  // always stopped, whatever the test does
    std::string cmd;
    ~Down() { runCommand(cmd); }
  } down{"bash " + shellQuote(script) + " down --dir " + shellQuote(promDir) + " 2>&1"};
  auto up = runCommand("bash " + shellQuote(script) + " up --dir " + shellQuote(promDir) + " --port " +
                       std::to_string(promPort) + " --target 127.0.0.1:" + std::to_string(port_) +
                       " --interval 1s --lifetime 120 --rules " +
                       shellQuote(sourceDir() + "/docs/prometheus/alerts.yml") + " 2>&1");
  ASSERT_EQ(up.exitCode, 0) << up.output;

  // Prometheus' HTTP API through curl (it answers chunked, which the tests'
  // tiny HTTP client does not decode); bounded by --max-time.
  auto api = [&](const std::string& path, const std::string& query = "") {
    std::string cmd = "curl -s --max-time 5 --get http://127.0.0.1:" + std::to_string(promPort) + path;
    if (!query.empty()) cmd += " --data-urlencode " + shellQuote("query=" + query);
    boost::system::error_code ec;
    auto v = json::parse(runCommand(cmd).output, ec);
    return ec ? json::value() : v;
  };
  // One instant query; NaN when Prometheus has no result (yet).
  auto query = [&](const std::string& q) {
    auto v = api("/api/v1/query", q);
    const json::value* result = v.is_object() ? v.at("data").as_object().if_contains("result") : nullptr;
    if (!result || result->as_array().empty()) return std::nan("");
    return std::stod(std::string(result->as_array()[0].at("value").as_array()[1].as_string()));
  };
  ASSERT_TRUE(waitFor([&] { return query("up{job=\"sluice\"}") == 1; }, 20s))
      << "the target never came up; " << readFile(promDir + "/prometheus.log");
  // rate() over 10 s, once the window holds 10 scrapes.
  std::string out = std::string("sluice_task_records_out_total{connector=\"") + kSource + "\"}";
  ASSERT_TRUE(waitFor([&] { return query("count_over_time(" + out + "[10s])") >= 10; }, 40s));
  double produced = query("sum(rate(" + out + "[10s]))");
  EXPECT_NEAR(produced, kRate, kRate * 0.2) << "records.per.second=" << kRate;
  // The sink keeps up: it puts what the source produces.
  double put = query(std::string("sum(rate(sluice_task_records_out_total{connector=\"") + kSink + "\"}[10s]))");
  EXPECT_NEAR(put, kRate, kRate * 0.2);
  std::printf("PromQL rate over 10 s: source %.1f/s, sink %.1f/s (datagen %.0f/s)\n", produced, put, kRate);

  // Prometheus loaded the alert rules and evaluates every one without error.
  json::value rules;
  int evaluated = 0;
  ASSERT_TRUE(waitFor([&] {
    rules = api("/api/v1/rules");
    if (!rules.is_object()) return false;
    evaluated = 0;
    for (const auto& g : rules.at("data").at("groups").as_array())
      for (const auto& r : g.at("rules").as_array())
        if (r.as_object().contains("lastEvaluation") &&
            !std::string(r.at("lastEvaluation").as_string()).starts_with("0001-"))
          ++evaluated;
    return evaluated >= 10;
  }, 20s)) << json::serialize(rules);
  for (const auto& g : rules.at("data").at("groups").as_array())
    for (const auto& r : g.at("rules").as_array())
      EXPECT_EQ(r.at("health"), "ok") << json::serialize(r);
  EXPECT_EQ(p->stop(SIGTERM, 30s), 0);
}

TEST(ObservabilityDocsTest, AlertRulesPassPromtoolAndTheirUnitTests) {
  std::string rules = sourceDir() + "/docs/prometheus/alerts.yml";
  auto check = runCommand("promtool check rules " + shellQuote(rules) + " 2>&1");
  EXPECT_EQ(check.exitCode, 0) << check.output;
  auto test = runCommand("promtool test rules " + shellQuote(sourceDir() + "/tests/prometheus/alerts_test.yml") + " 2>&1");
  EXPECT_EQ(test.exitCode, 0) << test.output;
  auto documented = documentedMetrics();
  for (const auto& n : metricNamesIn(readFile(rules))) EXPECT_TRUE(documented.count(n)) << n << " is not in docs/metrics.md";
}

TEST(ObservabilityDocsTest, GrafanaDashboardIsValidAndShowsTheFourSignalsPerConnector) {
  boost::system::error_code ec;
  auto dash = json::parse(readFile(sourceDir() + "/docs/grafana/sluice.json"), ec);
  ASSERT_FALSE(ec) << "docs/grafana/sluice.json is not JSON: " << ec.message();
  const auto& vars = dash.at("templating").at("list").as_array();
  bool datasourceVar = false, connectorVar = false;
  for (const auto& v : vars) {
    if (v.at("type") == "datasource" && v.at("name") == "datasource" && v.at("query") == "prometheus") datasourceVar = true;
    if (v.at("name") == "connector" && v.at("type") == "query") connectorVar = true;
  }
  EXPECT_TRUE(datasourceVar) << "a datasource variable named datasource, of type prometheus";
  EXPECT_TRUE(connectorVar);

  std::string exprs;
  std::set<std::string> titles;
  int panels = 0;
  std::function<void(const json::array&)> walk = [&](const json::array& list) {
    for (const auto& pv : list) {
      const auto& panel = pv.as_object();
      if (panel.contains("panels")) walk(panel.at("panels").as_array());
      if (panel.at("type") == "row") continue;
      ++panels;
      titles.insert(std::string(panel.at("title").as_string()));
      EXPECT_EQ(panel.at("datasource").at("uid"), "${datasource}") << panel.at("title");
      ASSERT_TRUE(panel.contains("targets")) << panel.at("title");
      for (const auto& t : panel.at("targets").as_array()) {
        std::string e(t.at("expr").as_string());
        EXPECT_NE(e.find("$connector"), std::string::npos) << panel.at("title") << ": " << e << " ignores the connector variable";
        exprs += e + "\n";
      }
    }
  };
  walk(dash.at("panels").as_array());
  EXPECT_GE(panels, 8);
  for (const char* signal : {"sluice_task_records_out_total", "sluice_sink_task_consumer_lag_records",
                             "sluice_task_backpressure_seconds_total", "sluice_task_watermark_lag_seconds",
                             "sluice_task_errors_total", "sluice_task_dlq_records_total", "sluice_task_checkpoint_duration_seconds"})
    EXPECT_NE(exprs.find(signal), std::string::npos) << "no panel shows " << signal;
  auto documented = documentedMetrics();
  for (const auto& n : metricNamesIn(exprs)) EXPECT_TRUE(documented.count(n)) << n << " is not in docs/metrics.md";
}

TEST(ObservabilityDocsTest, ShippedDeploymentConfigsAreValid) {
  // The worker config in the Kubernetes example is a valid worker config
  // (keys, listeners, auth entries with the token from the environment).
  std::string yaml = readFile(sourceDir() + "/configs/k8s-sidecar.yaml");
  size_t at = yaml.find("  worker.json: |\n");
  ASSERT_NE(at, std::string::npos);
  std::string worker;
  for (size_t pos = yaml.find('\n', at) + 1; pos < yaml.size();) {
    size_t end = yaml.find('\n', pos);
    std::string line = yaml.substr(pos, end - pos);
    if (!line.starts_with("    ")) break;
    worker += line.substr(4) + "\n";
    pos = end + 1;
  }
  ::setenv("SLUICE_ADMIN_TOKEN", "k8s-example-token-0123456789", 1);
  auto wc = config::WorkerConfig::parse(worker);
  ASSERT_TRUE(wc.isOk()) << wc.status().message() << "\n" << worker;
  EXPECT_TRUE(wc->rest.authEnabled());
  EXPECT_TRUE(wc->rest.metricsAnonymous) << "Prometheus scrapes without credentials";
  EXPECT_EQ(wc->bootstrapServers, "127.0.0.1:9092") << "a sidecar talks to its broker over localhost";
  // Its probes use the open endpoints.
  EXPECT_NE(yaml.find("path: /ready"), std::string::npos);
  EXPECT_NE(yaml.find("path: /health"), std::string::npos);

  // The systemd unit stops with SIGTERM and waits longer than a clean stop takes.
  std::string unit = readFile(sourceDir() + "/configs/sluice.service");
  EXPECT_NE(unit.find("ExecStart=/opt/sluice/bin/sluice run /etc/sluice/worker.json"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex(R"(\nTimeoutStopSec=(\d+)\n)")));
  EXPECT_GT(std::stoi(m[1]), (wc->taskShutdownTimeoutMs + 5000) / 1000);
  // Where systemd is installed, it agrees the unit is well formed (the
  // binary path is swapped for the built one).
  if (runCommand("command -v systemd-analyze").exitCode == 0) {
    TempDir d;
    std::string copy = std::regex_replace(unit, std::regex("/opt/sluice/bin/sluice"), sluiceBinary());
    writeFile(d.file("sluice.service"), copy);
    auto v = runCommand("cd " + shellQuote(d.path()) + " && systemd-analyze verify ./sluice.service 2>&1");
    EXPECT_EQ(v.exitCode, 0) << v.output;
    EXPECT_EQ(v.output, "");
  }
}

}  // namespace
}  // namespace sluice::test

// A plugin that crashes the worker: the crash is recorded (log and
// state.dir), and the next start quarantines that connector (FAILED with the
// trace) while the others run; a restart brings it back.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class CrashGuardTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CrashGuardTest, APluginCrashIsRecordedAndItsConnectorQuarantinedOnTheNextStart) {
  const std::string signal = GetParam();
  TempDir dir;
  int port = freePort();
  writeFile(dir.file("worker.json"), R"({"listeners":"http://127.0.0.1:)" + std::to_string(port) + R"(","state.dir":"state",
    "plugin.path":[")" + pluginDir() + R"(",")" + buildDir() + R"(/test-plugins/extra"]})");
  auto start = [&](const std::string& log) {
    auto p = std::make_unique<Process>(std::vector<std::string>{sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file(log));
    EXPECT_TRUE(waitFor([&] { return http(port, "GET", "/ready").status == 200; }, 30s)) << readFile(dir.file(log));
    return p;
  };
  auto p = start("log1");
  auto post = [&](const std::string& body) { return http(port, "POST", "/connectors", body).status; };
  ASSERT_EQ(post(R"({"name":"gen","config":{"connector.class":"datagen","topic":"t","records.per.second":"200"}})"), 201);
  ASSERT_EQ(post(R"({"name":"good","config":{"connector.class":"file-sink","topics":"t","file":")" + dir.file("good.txt") + R"("}})"), 201);
  ASSERT_EQ(post(R"({"name":"bad","config":{"connector.class":"test-sink","topics":"t","file":")" + dir.file("bad.txt") +
                 R"(","crash.signal":")" + signal + R"("}})"), 201);
  ASSERT_TRUE(waitFor([&] { return !readLines(dir.file("bad.txt")).empty(); }, 30s));
  writeFile(dir.file("bad.txt.crash"), "");
  // It dies of the plugin's signal (in a sanitizer build, the sanitizer's
  // handler, which the crash guard hands the signal on to, may end it its way).
  int died = p->stop(0, 30s);
  EXPECT_GT(died, 0);
  // (TSan ends a SIGSEGV with its own report and exit code 66.)
  if (std::getenv("ASAN_OPTIONS") == nullptr && std::getenv("TSAN_OPTIONS") == nullptr) {
    EXPECT_EQ(died, 128 + (signal == "ABRT" ? SIGABRT : SIGSEGV));
  }
  std::string log1 = readFile(dir.file("log1"));
  EXPECT_NE(log1.find("SIG" + signal + " in plugin test-sink (" + buildDir() + "/test-plugins/extra/test-sink.so), in on_put of connector bad task 0"),
            std::string::npos) << log1.substr(log1.size() > 3000 ? log1.size() - 3000 : 0);

  // The next start: the crashing connector stays FAILED with the trace, the rest run.
  auto q = start("log2");
  auto status = json::parse(http(port, "GET", "/connectors/bad/status").body);
  EXPECT_EQ(status.at("connector").at("state"), "FAILED") << status;
  std::string trace(status.at("connector").at("trace").as_string());
  EXPECT_NE(trace.find("crashed with SIG" + signal + " inside plugin test-sink"), std::string::npos) << trace;
  EXPECT_NE(trace.find("in on_put of task 0"), std::string::npos) << trace;
  size_t good = readLines(dir.file("good.txt")).size();
  EXPECT_TRUE(waitFor([&] { return readLines(dir.file("good.txt")).size() > good + 20; }, 30s)) << "the others run";
  EXPECT_EQ(json::parse(http(port, "GET", "/connectors/good/status").body).at("connector").at("state"), "RUNNING");
  EXPECT_NE(readFile(dir.file("log2")).find("connector bad is quarantined, not started"), std::string::npos);
  EXPECT_EQ(q->stop(SIGINT, 30s), 0);

  // Still quarantined on the start after (nothing ran it), until a restart.
  auto r = start("log3");
  EXPECT_EQ(json::parse(http(port, "GET", "/connectors/bad/status").body).at("connector").at("state"), "FAILED");
  std::filesystem::remove(dir.file("bad.txt.crash"));
  size_t before = readLines(dir.file("bad.txt")).size();
  EXPECT_EQ(http(port, "POST", "/connectors/bad/restart").status, 204);
  EXPECT_TRUE(waitFor([&] { return readLines(dir.file("bad.txt")).size() > before; }, 30s)) << readFile(dir.file("log3"));
  EXPECT_EQ(json::parse(http(port, "GET", "/connectors/bad/status").body).at("connector").at("state"), "RUNNING");
  EXPECT_EQ(r->stop(SIGINT, 30s), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("state/quarantined-connectors")));
}

INSTANTIATE_TEST_SUITE_P(Signals, CrashGuardTest, ::testing::Values("SEGV", "ABRT"));

}  // namespace
}  // namespace sluice::test

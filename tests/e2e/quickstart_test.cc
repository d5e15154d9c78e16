// The real sluice process on the shipped quickstart configs: exact delivery,
// clean Ctrl-C, a restart that continues the sequence, and REST over a socket.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sluice/version.h>

#include <csignal>
#include <set>

#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class QuickstartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = freePort();
    // The shipped quickstart, with the port made free and (when asked) the
    // datagen bounded so the exact output can be checked.
    auto worker = json::parse(readFile(sourceDir() + "/configs/quickstart-worker.json")).as_object();
    worker["listeners"] = "http://127.0.0.1:" + std::to_string(port_);
    writeFile(dir_.file("worker.json"), json::serialize(worker));
    sink_ = json::parse(readFile(sourceDir() + "/configs/quickstart-file-sink.json")).as_object();
    writeFile(dir_.file("sink.json"), json::serialize(sink_));
    out_ = dir_.file(std::string(sink_.at("config").at("file").as_string()));
  }

  void writeSource(int64_t records, int64_t rate) {
    auto src = json::parse(readFile(sourceDir() + "/configs/quickstart-datagen.json")).as_object();
    src["config"].as_object()["records"] = std::to_string(records);
    src["config"].as_object()["records.per.second"] = std::to_string(rate);
    writeFile(dir_.file("source.json"), json::serialize(src));
  }

  std::unique_ptr<Process> start() {
    auto p = std::make_unique<Process>(
        std::vector<std::string>{sluiceBinary(), "run", "worker.json", "source.json", "sink.json"}, dir_.path(),
        dir_.file("sluice.log"));
    EXPECT_TRUE(waitFor([&] { return http(port_, "GET", "/").status == 200; }, 30s)) << readFile(dir_.file("sluice.log"));
    return p;
  }

  std::vector<int64_t> seqs() {
    std::vector<int64_t> out;
    for (const auto& line : readLines(out_)) {
      auto v = json::parse(line);
      out.push_back(v.at("seq").as_int64());
    }
    return out;
  }

  TempDir dir_;
  int port_ = 0;
  json::object sink_;
  std::string out_;
};

TEST_F(QuickstartTest, DeliversExactlyTheGeneratedSequenceThroughTheTransformChain) {
  writeSource(3000, 0);
  auto p = start();
  ASSERT_TRUE(waitFor([&] { return readLines(out_).size() >= 3000; }, 60s)) << readLines(out_).size();
  EXPECT_EQ(p->stop(SIGINT, 30s), 0) << "Ctrl-C must stop sluice cleanly";
  auto s = seqs();
  std::set<int64_t> unique(s.begin(), s.end());
  EXPECT_EQ(s.size(), 3000u);
  EXPECT_EQ(unique.size(), 3000u);
  EXPECT_EQ(*unique.begin(), 0);
  EXPECT_EQ(*unique.rbegin(), 2999);
  // The quickstart chain: InsertField added "pipeline", ReplaceField dropped "payload".
  auto first = json::parse(readLines(out_).front()).as_object();
  EXPECT_EQ(first.at("pipeline"), "quickstart");
  EXPECT_FALSE(first.contains("payload"));
  EXPECT_NE(readFile(dir_.file("sluice.log")).find("NON-DURABLE"), std::string::npos)
      << "the embedded cluster must be announced loudly";
}

TEST_F(QuickstartTest, RestartContinuesTheSequenceWithoutGapsOrStartingOver) {
  writeSource(0, 400);
  {
    auto p = start();
    ASSERT_TRUE(waitFor([&] { return readLines(out_).size() >= 300; }, 60s));
    ASSERT_EQ(p->stop(SIGTERM, 30s), 0);
  }
  size_t firstRun = seqs().size();
  int64_t lastOfFirst = seqs().back();
  {
    auto p = start();
    ASSERT_TRUE(waitFor([&] { return readLines(out_).size() >= firstRun + 300; }, 60s));
    ASSERT_EQ(p->stop(SIGINT, 30s), 0);
  }
  auto s = seqs();
  std::set<int64_t> unique(s.begin(), s.end());
  EXPECT_EQ(*unique.begin(), 0);
  EXPECT_EQ(static_cast<int64_t>(unique.size()), *unique.rbegin() + 1) << "a gap in the sequence";
  EXPECT_EQ(s[firstRun], lastOfFirst + 1) << "the second run must continue where the first stopped";
  EXPECT_EQ(s.size(), unique.size()) << "clean stops should not duplicate";
  EXPECT_NE(readFile(dir_.file("sluice.log")).find("resuming at seq " + std::to_string(lastOfFirst + 1)), std::string::npos);
}

TEST_F(QuickstartTest, RestApiAnswersOverTheNetworkAndBadInputChangesNothing) {
  writeSource(0, 10);
  auto p = start();
  auto root = json::parse(http(port_, "GET", "/").body);
  EXPECT_TRUE(root.as_object().contains("version"));
  auto list = json::parse(http(port_, "GET", "/connectors").body);
  EXPECT_EQ(list.as_array().size(), 2u);
  auto bad = http(port_, "POST", "/connectors", R"({"name":"x","config":{"connector.class":"file-sink"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("Must configure one of topics or topics.regex"), std::string::npos) << bad.body;
  EXPECT_EQ(json::parse(http(port_, "GET", "/connectors").body).as_array().size(), 2u);
  EXPECT_EQ(p->stop(SIGINT, 30s), 0);
}

TEST(CliTest, RefusesBadConnectorFileWithoutStarting) {
  TempDir dir;
  writeFile(dir.file("worker.json"), R"({"listeners":"http://127.0.0.1:)" + std::to_string(freePort()) + R"(","state.dir":"state"})");
  writeFile(dir.file("bad.json"), R"({"name":"x","config":{"connector.class":"datagen","topik":"t"}})");
  Process p({sluiceBinary(), "run", "worker.json", "bad.json"}, dir.path(), dir.file("log"));
  EXPECT_EQ(p.stop(0, 30s), 1);
  std::string log = readFile(dir.file("log"));
  EXPECT_NE(log.find("Unknown configuration 'topik'"), std::string::npos) << log;
  EXPECT_NE(log.find("Missing required configuration \"topic\""), std::string::npos) << log;
}

TEST(CliTest, PluginsJsonListsPluginsAndRefusedFiles) {
  TempDir dir;
  Process p({"/bin/sh", "-c", sluiceBinary() + " plugins --json --plugin-path " + pluginDir() + " --plugin-path " +
                                  buildDir() + "/test-plugins/broken > out.json"},
            dir.path(), dir.file("log"));
  ASSERT_EQ(p.stop(0, 30s), 0);
  auto v = json::parse(readFile(dir.file("out.json")));
  bool sawDatagen = false, sawRefused = false;
  for (const auto& e : v.as_array()) {
    if (e.at("name") == "datagen") {
      sawDatagen = true;
      EXPECT_EQ(e.at("kind"), "source");
      EXPECT_EQ(std::string(e.at("abi").as_string()), "1." + std::to_string(SLUICE_ABI_MINOR));
      EXPECT_NE(std::string(e.at("file").as_string()).find("datagen.so"), std::string::npos);
    }
    if (e.as_object().contains("error") && std::string(e.at("file").as_string()).ends_with("abi_major.so")) {
      sawRefused = true;
      EXPECT_NE(std::string(e.at("error").as_string()).find("incompatible"), std::string::npos);
    }
  }
  EXPECT_TRUE(sawDatagen);
  EXPECT_TRUE(sawRefused);
}

}  // namespace
}  // namespace sluice::test

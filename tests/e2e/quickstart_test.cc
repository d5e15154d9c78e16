// The real sluice process on the shipped quickstart configs: exact delivery,
// clean Ctrl-C, a restart that continues the sequence, and REST over a socket.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sluice/version.h>

#include <csignal>
#include <filesystem>
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
    source_ = std::string(src.at("name").as_string());
    writeFile(dir_.file("source.json"), json::serialize(src));
  }

  std::unique_ptr<Process> start() {
    auto p = std::make_unique<Process>(
        std::vector<std::string>{sluiceBinary(), "run", "worker.json", "source.json", "sink.json"}, dir_.path(),
        dir_.file("sluice.log"));
    EXPECT_TRUE(waitFor([&] { return http(port_, "GET", "/ready").status == 200; }, 30s)) << readFile(dir_.file("sluice.log"));
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
  std::string source_;
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

TEST_F(QuickstartTest, SavepointMovesTheWorkerToAFreshStateDir) {
  writeSource(0, 400);
  std::string path;
  {
    auto p = start();
    ASSERT_TRUE(waitFor([&] { return readLines(out_).size() >= 200; }, 60s));
    // Once the source has checkpointed, the savepoint holds its offsets.
    ASSERT_TRUE(waitFor([&] {
      auto offs = json::parse(http(port_, "GET", "/connectors/" + source_ + "/offsets").body);
      return !offs.at("offsets").as_array().empty();
    }, 30s));
    auto sp = http(port_, "POST", "/admin/savepoints");
    ASSERT_EQ(sp.status, 201) << sp.body;
    path = std::string(json::parse(sp.body).at("path").as_string());
    ASSERT_EQ(p->stop(SIGINT, 30s), 0);
  }
  // The old state goes away; the savepoint brings the connectors and their
  // offsets back into a new, empty state.dir.
  std::string stateDir(json::parse(readFile(dir_.file("worker.json"))).at("state.dir").as_string());
  std::filesystem::rename(dir_.file(stateDir), dir_.file("old-state"));
  size_t before = seqs().size();
  auto p = std::make_unique<Process>(
      std::vector<std::string>{sluiceBinary(), "run", "worker.json", "--from-savepoint", path}, dir_.path(),
      dir_.file("sluice2.log"));
  ASSERT_TRUE(waitFor([&] { return readLines(out_).size() >= before + 100; }, 60s)) << readFile(dir_.file("sluice2.log"));
  ASSERT_EQ(json::parse(http(port_, "GET", "/connectors").body).as_array().size(), 2u);
  ASSERT_EQ(p->stop(SIGINT, 30s), 0);
  auto s = seqs();
  EXPECT_GT(s[before], 0) << "the source resumed from the savepoint's offsets, not from the start";
  EXPECT_LE(s[before], s[before - 1] + 1) << "nothing was skipped";
  // Starting from a savepoint over a state.dir that holds data is refused.
  Process again({sluiceBinary(), "run", "worker.json", "--from-savepoint", path}, dir_.path(), dir_.file("sluice3.log"));
  EXPECT_EQ(again.stop(0, 30s), 1);
  EXPECT_NE(readFile(dir_.file("sluice3.log")).find("already holds data"), std::string::npos) << readFile(dir_.file("sluice3.log"));
}

TEST(CliTest, RefusesADamagedStateDirNamingIt) {
  TempDir dir;
  int port = freePort();
  writeFile(dir.file("worker.json"), R"({"listeners":"http://127.0.0.1:)" + std::to_string(port) + R"(","state.dir":"state"})");
  writeFile(dir.file("state/000042.sst"), "not a store");
  Process p({sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file("log"));
  EXPECT_EQ(p.stop(0, 30s), 1);
  std::string log = readFile(dir.file("log"));
  EXPECT_NE(log.find("state.dir state is not empty but holds no Sluice state store"), std::string::npos) << log;
  // A store RocksDB cannot open (corrupted) is refused too, naming the path.
  std::filesystem::remove_all(dir.file("state"));
  {
    Process first({sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file("log1"));
    ASSERT_TRUE(waitFor([&] { return http(port, "GET", "/ready").status == 200; }, 30s));
    EXPECT_EQ(first.stop(SIGINT, 30s), 0);
  }
  writeFile(dir.file("state/CURRENT"), "MANIFEST-424242\n");
  Process q({sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file("log2"));
  EXPECT_EQ(q.stop(0, 30s), 1);
  std::string log2 = readFile(dir.file("log2"));
  EXPECT_NE(log2.find("cannot open state store at state"), std::string::npos) << log2;
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
  ASSERT_EQ(p.stop(0, 30s), 1) << "refused files: a non-zero exit, for CI to gate on";
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

TEST(CliTest, PluginsExitsZeroOnlyWhenNothingWasRefused) {
  TempDir dir;
  auto run = [&](const std::string& args) { return runCommand("cd " + shellQuote(dir.path()) + " && " + sluiceBinary() + " " + args + " 2>err.txt"); };
  auto clean = run("plugins --plugin-path " + pluginDir());
  EXPECT_EQ(clean.exitCode, 0) << clean.output;
  EXPECT_NE(clean.output.find("datagen"), std::string::npos);
  auto missing = run("plugins --plugin-path " + pluginDir() + " --plugin-path " + dir.file("no-such-dir"));
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.output.find("datagen"), std::string::npos) << "the listing is still printed";
  EXPECT_NE(missing.output.find("REFUSED " + dir.file("no-such-dir")), std::string::npos) << missing.output;
  EXPECT_NE(readFile(dir.file("err.txt")).find("1 plugin file(s) or directories refused"), std::string::npos);
}

TEST(CliTest, HelpIsOnStdoutWithExitZeroAndAWrongCommandLineExitsTwo) {
  for (const std::string flag : {"--help", "-h", "help"}) {
    auto r = runCommand(sluiceBinary() + " " + flag + " 2>/dev/null");
    EXPECT_EQ(r.exitCode, 0) << flag;
    EXPECT_NE(r.output.find("usage:"), std::string::npos) << flag;
  }
  auto wrong = runCommand(sluiceBinary() + " frobnicate 2>&1 >/dev/null");
  EXPECT_EQ(wrong.exitCode, 2);
  EXPECT_NE(wrong.output.find("usage:"), std::string::npos) << "usage on stderr";
}

TEST(CliTest, DescribeShowsLimitsAndAllowedValuesAndHasAJsonForm) {
  auto plain = runCommand(sluiceBinary() + " describe datagen --plugin-path " + pluginDir());
  ASSERT_EQ(plain.exitCode, 0) << plain.output;
  auto json = runCommand(sluiceBinary() + " describe datagen --json --plugin-path " + pluginDir());
  ASSERT_EQ(json.exitCode, 0) << json.output;
  auto v = json::parse(json.output);
  EXPECT_EQ(v.at("name"), "datagen");
  EXPECT_EQ(v.at("kind"), "source");
  bool sawBound = false;
  for (const auto& o : v.at("options").as_array()) {
    ASSERT_TRUE(o.as_object().contains("name") && o.as_object().contains("type") && o.as_object().contains("doc")) << o;
    if (auto* min = o.as_object().if_contains("min")) {
      sawBound = true;
      // Every bound in the JSON form is in the plain one too.
      std::string name(o.at("name").as_string());
      size_t at = plain.output.find("  " + name + " (");
      ASSERT_NE(at, std::string::npos) << name;
      size_t next = at;  // the next option's line ("  name (type...)"), not a doc line
      do next = plain.output.find("\n  ", next + 1);
      while (next != std::string::npos && plain.output[next + 3] == ' ');
      std::string entry = plain.output.substr(at, next == std::string::npos ? std::string::npos : next - at);
      EXPECT_TRUE(entry.find("at least") != std::string::npos || entry.find("range:") != std::string::npos) << entry;
      (void)min;
    }
  }
  EXPECT_TRUE(sawBound) << "datagen has options with a minimum";
  auto http = runCommand(sluiceBinary() + " describe http-sink --plugin-path " + pluginDir());
  ASSERT_EQ(http.exitCode, 0) << http.output;
  auto httpJson = json::parse(runCommand(sluiceBinary() + " describe http-sink --json --plugin-path " + pluginDir()).output);
  int withAllowed = 0;
  for (const auto& o : httpJson.at("options").as_array())
    if (auto* allowed = o.as_object().if_contains("allowed")) {
      ++withAllowed;
      EXPECT_NE(http.output.find("one of: " + std::string(allowed->as_array().at(0).as_string())), std::string::npos) << http.output;
    }
  EXPECT_GT(withAllowed, 0);
}

TEST(CliTest, RunsConnectsOwnPropertiesFiles) {
  TempDir dir;
  int port = freePort();
  // connect-standalone.properties and connect-file-source/sink.properties as
  // Kafka ships them (schemas off: Sluice has none yet), on the embedded cluster.
  writeFile(dir.file("connect-standalone.properties"),
            "# Kafka Connect's standalone worker\n"
            "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
            "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
            "key.converter.schemas.enable=false\n"
            "value.converter.schemas.enable=false\n"
            "offset.storage.file.filename=/tmp/connect.offsets\n"
            "offset.flush.interval.ms=1000\n"
            "listeners=http://127.0.0.1:" + std::to_string(port) + "\n"
            "state.dir=state\n");
  writeFile(dir.file("connect-file-source.properties"),
            "name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile=" + dir.file("test.txt") +
            "\ntopic=connect-test\n");
  writeFile(dir.file("connect-file-sink.properties"),
            "name : local-file-sink\nconnector.class   FileStreamSink\ntasks.max=1\nfile=" + dir.file("test.sink.txt") +
            "\ntopics=connect-test\n");
  writeFile(dir.file("test.txt"), "alpha\nbeta\n");
  Process p({sluiceBinary(), "run", "connect-standalone.properties", "connect-file-source.properties", "connect-file-sink.properties"},
            dir.path(), dir.file("log"));
  ASSERT_TRUE(waitFor([&] { return http(port, "GET", "/ready").status == 200; }, 30s)) << readFile(dir.file("log"));
  EXPECT_EQ(json::parse(http(port, "GET", "/connectors").body), json::parse(R"(["local-file-sink","local-file-source"])"));
  EXPECT_TRUE(waitFor([&] { return readLines(dir.file("test.sink.txt")).size() >= 2; }, 30s)) << readFile(dir.file("log"));
  // Through the JsonConverter as in Connect: "alpha" in the topic, alpha in the file.
  EXPECT_EQ(readLines(dir.file("test.sink.txt")), (std::vector<std::string>{"alpha", "beta"}));
  // The worker's converters are every connector's defaults, as in Connect.
  auto info = json::parse(http(port, "GET", "/connectors/local-file-sink").body);
  EXPECT_FALSE(info.at("config").as_object().contains("value.converter")) << "defaults are not copied into the config";
  EXPECT_EQ(p.stop(SIGINT, 30s), 0);
  std::string log = readFile(dir.file("log"));
  EXPECT_NE(log.find("WARN"), std::string::npos);
  EXPECT_NE(log.find("worker config keys of Kafka Connect that Sluice does not use: offset.storage.file.filename (offsets are kept in state.dir"),
            std::string::npos) << log;
}

}  // namespace
}  // namespace sluice::test

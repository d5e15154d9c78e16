// Java .properties files, read as connect-standalone reads them: every case
// checked against Java's own Properties.load (tests/host/config/PropsDump.java,
// run by the JDK that the Kafka harness installs).
#include "host/config/properties.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "host/config/worker_config.h"
#include "tests/support/test_support.h"

namespace sluice::config {
namespace {
namespace json = boost::json;

std::map<std::string, std::string> lastWins(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : entries) out[k] = v;
  return out;
}

// Java's reading of `text`, or nullopt without a JDK (running a source file
// needs its compiler; a JRE alone cannot).
std::optional<std::string> javaReads(const test::TempDir& dir, const std::string& text) {
  if (test::runCommand("command -v java >/dev/null && command -v javac >/dev/null").exitCode != 0) return std::nullopt;
  test::writeFile(dir.file("t.properties"), text);
  auto r = test::runCommand("java " + test::shellQuote(test::sourceDir() + "/tests/host/config/PropsDump.java") + " " +
                            test::shellQuote(dir.file("t.properties")) + " 2>/dev/null");
  return r.output;
}

const std::string kTricky =
    "# a comment\n"
    "! a bang comment\n"
    "   # an indented comment\n"
    "\n"
    "   \t  \n"
    "key1=value1\n"
    "key2 = value2\n"
    "key3:value3\n"
    "key4 value4\n"
    "key5   :   value5  \n"
    "key6 = = starts with equals\n"
    "key\\ with\\ spaces=v1\n"
    "key\\=eq=v2\n"
    "key\\:colon:v3\n"
    "multi=first \\\n"
    "      second \\\n"
    "  third\n"
    "trail=ends with a backslash\\\\\n"
    "odd=three\\\\\\\n"
    "  continued\n"
    "cont=a\\\n"
    "#not a comment\n"
    "empty=\n"
    "novalue\n"
    "tabs\\tkey=\\ttab\\n\n"
    "unicode=\\u00e9\\u4e2d\\uD83D\\uDE00\n"
    "lone=\\uD83D!\n"
    "latin1=caf\xE9 na\xEFve\n"
    "utf8bytes=\xC3\xA9\n"
    "esc=\\a\\b\\c\\\"\\'\\\\\n"
    "crlf=1\r\n"
    "cr=2\r"
    "after.cr=3\n"
    "dup=1\n"
    "dup=2\n"
    "  leading.space.key = v\n"
    "=empty key\n"
    "\f formfeed = ff\n"
    "blank.continued=\\\n"
    "\n"
    "next=after a blank continuation\n"
    "eof=no newline at the end\\";

TEST(PropertiesTest, TrickyFileReadsAsJavaReadsIt) {
  test::TempDir dir;
  auto mine = parseProperties(kTricky);
  ASSERT_TRUE(mine.isOk()) << mine.status().message();
  auto got = lastWins(*mine);
  EXPECT_EQ(got["key5"], "value5  ");
  EXPECT_EQ(got["key6"], "= starts with equals");
  EXPECT_EQ(got["key with spaces"], "v1");
  EXPECT_EQ(got["multi"], "first second third");
  EXPECT_EQ(got["cont"], "a#not a comment");
  EXPECT_EQ(got["latin1"], "caf\xC3\xA9 na\xC3\xAFve") << "bytes are ISO-8859-1";
  EXPECT_EQ(got["unicode"], "\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
  EXPECT_EQ(got["dup"], "2");
  auto java = javaReads(dir, kTricky);
  // ctest runs this once more after the Kafka fixture has installed a JDK,
  // with SLUICE_REQUIRE_JDK set: there a missing JDK is a failure.
  if (!java && std::getenv("SLUICE_REQUIRE_JDK")) FAIL() << "SLUICE_REQUIRE_JDK is set but java/javac cannot run";
  if (!java) GTEST_SKIP() << "no JDK to compare with";
  json::object mineJson;
  for (const auto& [k, v] : got) mineJson[k] = v;
  EXPECT_EQ(json::parse(*java), json::value(mineJson)) << "Java: " << *java << "\nSluice: " << json::serialize(mineJson);
}

TEST(PropertiesTest, AMalformedUnicodeEscapeIsAnErrorAsInJava) {
  test::TempDir dir;
  for (const std::string text : {"a=\\u12\n", "a=\\uZZZZ\n", "b=1\nbad\\u00g0=x\n"}) {
    auto mine = parseProperties(text);
    EXPECT_FALSE(mine.isOk()) << text;
    if (!mine.isOk()) {
      EXPECT_NE(mine.status().message().find("Malformed \\uxxxx encoding"), std::string::npos);
    }
    if (auto java = javaReads(dir, text)) {
      EXPECT_EQ(java->substr(0, 6), "ERROR ") << *java;
    } else {
      EXPECT_FALSE(std::getenv("SLUICE_REQUIRE_JDK")) << "SLUICE_REQUIRE_JDK is set but java/javac cannot run";
    }
  }
}

TEST(PropertiesTest, ConnectsStandaloneWorkerFileLoads) {
  test::TempDir dir;
  // The connect-standalone.properties Kafka ships, with schemas off (Sluice
  // has no schemas yet) and a few keys of the distributed config.
  test::writeFile(dir.file("worker.properties"),
                  "bootstrap.servers=localhost:9092\n"
                  "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
                  "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
                  "key.converter.schemas.enable=false\n"
                  "value.converter.schemas.enable=false\n"
                  "offset.storage.file.filename=/tmp/connect.offsets\n"
                  "offset.flush.interval.ms=10000\n"
                  "listeners=http://127.0.0.1:18093\n"
                  "plugin.path=/usr/share/java,/opt/connectors\n"
                  "group.id=connect-cluster\n"
                  "ssl.truststore.location=/etc/ts.jks\n");
  auto w = WorkerConfig::load(dir.file("worker.properties"));
  ASSERT_TRUE(w.isOk()) << w.status().message();
  EXPECT_EQ(w->bootstrapServers, "localhost:9092");
  EXPECT_EQ(w->offsetFlushIntervalMs, 10000);
  EXPECT_EQ(w->pluginPath, (std::vector<std::string>{"/usr/share/java", "/opt/connectors"}));
  EXPECT_EQ(w->connectorDefaults.at("value.converter"), "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(w->connectorDefaults.at("key.converter.schemas.enable"), "false");
  std::map<std::string, std::string> ignored(w->ignoredConnectKeys.begin(), w->ignoredConnectKeys.end());
  EXPECT_NE(ignored.at("offset.storage.file.filename").find("state.dir"), std::string::npos);
  EXPECT_NE(ignored.at("group.id").find("standalone"), std::string::npos);
  EXPECT_TRUE(ignored.count("ssl.truststore.location"));
  // A key that is not Connect's is still refused by name.
  test::writeFile(dir.file("bad.properties"), "bootstrap.servers=x:1\nbootstrap.server=typo:1\n");
  auto bad = WorkerConfig::load(dir.file("bad.properties"));
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("unknown worker config key 'bootstrap.server'"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace sluice::config

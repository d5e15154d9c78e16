// The real sluice process with a secured REST API: an https listener and a
// bearer token from the environment, driven by curl; and bad security
// settings stopping the start with the key named.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;

const std::string kToken = "e2e-token-7c41d9";

struct Certificate {
  explicit Certificate(const TempDir& dir) : cert(dir.file("cert.pem")), key(dir.file("key.pem")) {
    made = runCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
                      "-addext subjectAltName=IP:127.0.0.1 -keyout " + shellQuote(key) + " -out " + shellQuote(cert) + " 2>&1");
  }
  std::string cert, key;
  CommandResult made;
};

TEST(SecureRestTest, HttpsListenerWithATokenFromTheEnvironment) {
  TempDir dir;
  Certificate tls(dir);
  ASSERT_EQ(tls.made.exitCode, 0) << tls.made.output;
  std::string url = "https://127.0.0.1:" + std::to_string(freePort());
  writeFile(dir.file("worker.json"), R"({"listeners":")" + url + R"(","state.dir":"state",
    "listeners.https.ssl.certificate.location":")" + tls.cert + R"(","listeners.https.ssl.key.location":")" + tls.key + R"(",
    "rest.auth.tokens":[{"name":"ci","token":"${env:SLUICE_E2E_TOKEN}","role":"admin"}]})");
  Process p({"/usr/bin/env", "SLUICE_E2E_TOKEN=" + kToken, sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file("log"));
  auto curl = [&](const std::string& args) {
    return runCommand("curl -sS --max-time 20 --cacert " + shellQuote(tls.cert) + " -o /dev/null -w '%{http_code}' " + args + " 2>&1");
  };
  ASSERT_TRUE(waitFor([&] { return curl(url + "/health").output == "200"; }, 30s)) << readFile(dir.file("log"));
  EXPECT_EQ(curl(url + "/connectors").output, "401");
  EXPECT_EQ(curl("-H 'Authorization: Bearer wrong' " + url + "/connectors").output, "401");
  std::string body = R"({"name":"gen","config":{"connector.class":"datagen","topic":"t"}})";
  EXPECT_EQ(curl("-H 'Authorization: Bearer " + kToken + "' -H 'Content-Type: application/json' --data " + shellQuote(body) + " " +
                 url + "/connectors").output, "201");
  EXPECT_EQ(curl("-H 'Authorization: Bearer " + kToken + "' " + url + "/connectors/gen").output, "200");
  EXPECT_EQ(p.stop(SIGINT, 30s), 0);
  std::string log = readFile(dir.file("log"));
  EXPECT_NE(log.find("REST API listening on " + url), std::string::npos) << log;
  EXPECT_NE(log.find("REST authentication: 1 token(s)"), std::string::npos) << log;
  EXPECT_EQ(log.find(kToken), std::string::npos) << "the token must never be logged: " << log;
}

TEST(SecureRestTest, BadSecuritySettingsStopTheStartNamingTheKey) {
  TempDir dir;
  Certificate tls(dir);
  ASSERT_EQ(tls.made.exitCode, 0) << tls.made.output;
  std::string listener = R"("listeners":"https://127.0.0.1:)" + std::to_string(freePort()) + R"(","state.dir":"state")";
  struct Case {
    std::string settings;
    std::vector<std::string> expected;
  };
  for (const auto& c : std::vector<Case>{
           {R"("listeners.https.ssl.certificate.location":")" + dir.file("missing.pem") + R"(","listeners.https.ssl.key.location":")" +
                tls.key + "\"",
            {"'listeners.https.ssl.certificate.location'", dir.file("missing.pem")}},
           {R"("listeners.https.ssl.certificate.location":")" + tls.cert + "\"", {"'listeners.https.ssl.key.location'"}},
           {R"("listeners.https.ssl.certificate.location":")" + tls.cert + R"(","listeners.https.ssl.key.location":")" + tls.key +
                R"(","rest.auth.tokens":[{"name":"ci","token":"t0k-e2e","role":"superuser"}])",
            {"'rest.auth.tokens[0].role'"}},
       }) {
    writeFile(dir.file("worker.json"), "{" + listener + "," + c.settings + "}");
    Process p({sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file("log"));
    EXPECT_EQ(p.stop(0, 30s), 1) << c.settings;
    std::string log = readFile(dir.file("log"));
    for (const auto& e : c.expected) EXPECT_NE(log.find(e), std::string::npos) << log;
    EXPECT_EQ(log.find("t0k-e2e"), std::string::npos) << log;
    writeFile(dir.file("log"), "");
  }
}

// VmRSS of a process in KiB (0 when unreadable).
long rssKib(pid_t pid) {
  for (const auto& line : readLines("/proc/" + std::to_string(pid) + "/status"))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return 0;
}

TEST(RestMemoryTest, LargeValidateBodiesDoNotKeepTheirMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizers' allocators keep freed memory in quarantine, and neither
  // malloc_trim nor mallopt reaches them: RSS says nothing about glibc's.
  GTEST_SKIP() << "RSS bound is a property of glibc's allocator";
#endif
  TempDir dir;
  std::string url = "http://127.0.0.1:" + std::to_string(freePort());
  writeFile(dir.file("worker.json"), R"({"listeners":")" + url + R"(","state.dir":"state"})");
  // 50,000 made-up keys, about 740 KB: each REST thread that served one
  // used to keep ~7 MB, and the answer was 17 MB.
  std::string body = R"({"name":"big","connector.class":"datagen","topic":"t")";
  for (int i = 0; i < 50000; ++i) body += ",\"k" + std::to_string(100000 + i) + "\":\"v\"";
  body += "}";
  writeFile(dir.file("big.json"), body);
  Process p({sluiceBinary(), "run", "worker.json"}, dir.path(), dir.file("log"));
  ASSERT_TRUE(waitFor([&] { return runCommand("curl -sf -o /dev/null " + url + "/ready").exitCode == 0; }, 30s)) << readFile(dir.file("log"));
  long before = rssKib(p.pid());
  ASSERT_GT(before, 0);
  for (int i = 0; i < 12; ++i) {
    auto r = runCommand("curl -sS --max-time 60 -o " + shellQuote(dir.file("answer.json")) + " -w '%{http_code} %{size_download}' -X PUT "
                        "-H 'Content-Type: application/json' --data-binary @" + shellQuote(dir.file("big.json")) + " " + url +
                        "/connector-plugins/datagen/config/validate");
    ASSERT_EQ(r.output.substr(0, 4), "200 ") << r.output;
    EXPECT_LT(std::stol(r.output.substr(4)), 200 * 1024) << "an answer in proportion to the request";
  }
  long after = rssKib(p.pid());
  EXPECT_LT(after - before, 32 * 1024) << "RSS went from " << before << " KiB to " << after << " KiB";
  std::string answer = readFile(dir.file("answer.json"));
  EXPECT_NE(answer.find("\"error_count\":50000"), std::string::npos) << answer.substr(0, 300);
  EXPECT_EQ(p.stop(SIGINT, 30s), 0);
}

}  // namespace
}  // namespace sluice::test

// The REST server's security against a live server: bearer and basic
// authentication with read and admin roles, CORS, the request size limit, and
// TLS driven by the real curl and openssl command-line tools.
#include <boost/json.hpp>

#include "host/rest/http.h"
#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;
using test::HttpResponse;

const std::string kAdminToken = "admin-token-5f1c0e9a7d";
const std::string kReadToken = "read-token-0b3e6c2d88";

std::string basic(const std::string& userAndPassword) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string& in = userAndPassword;
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return "Basic " + out;
}

std::map<std::string, std::string> bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

class AuthTest : public test::RestFixture {
 protected:
  void configureRest(config::RestConfig* rest) override {
    rest->tokens = {{"ci", kAdminToken, config::Role::kAdmin}, {"dashboard", kReadToken, config::Role::kRead}};
    rest->users = {{"ops", "ops pass:with colon", config::Role::kAdmin}, {"viewer", "view-pass", config::Role::kRead}};
  }
  std::map<std::string, std::string> admin() { return bearer(kAdminToken); }
  json::value connectors() { return parse(call("GET", "/connectors", "", admin())); }
};

TEST_F(AuthTest, NoCredentialsGet401WithChallengeAndChangeNothing) {
  auto r = call("GET", "/connectors");
  expectError(r, 401, "Authentication required");
  EXPECT_NE(r.headers["www-authenticate"].find("Bearer realm=\"sluice\""), std::string::npos) << r.headers["www-authenticate"];
  EXPECT_NE(r.headers["www-authenticate"].find("Basic realm=\"sluice\""), std::string::npos) << r.headers["www-authenticate"];
  expectError(call("POST", "/connectors", datagen("gen")), 401, "Authentication required");
  expectError(call("DELETE", "/connectors/gen"), 401, "Authentication required");
  expectError(call("GET", "/nope"), 401, "Authentication required");  // no hint about which paths exist
  EXPECT_EQ(connectors(), json::parse("[]"));
}

TEST_F(AuthTest, BadCredentialsGet401) {
  for (const auto& h : std::vector<std::map<std::string, std::string>>{
           bearer("wrong"), bearer(kAdminToken + "x"), bearer(""), {{"Authorization", basic("ops:wrong")}},
           {{"Authorization", basic("nobody:view-pass")}}, {{"Authorization", "Basic !!notbase64!!"}},
           {{"Authorization", basic("no-colon")}}, {{"Authorization", "Digest username=\"ops\""}},
           {{"Authorization", "Bearer " + std::string("ops pass:with colon")}}}) {
    auto r = call("POST", "/connectors", datagen("gen"), h);
    expectError(r, 401, "Invalid credentials");
    EXPECT_FALSE(r.headers["www-authenticate"].empty());
  }
  EXPECT_EQ(connectors(), json::parse("[]"));
}

TEST_F(AuthTest, ReadRoleMayOnlyGetAndHead) {
  for (const auto& h : std::vector<std::map<std::string, std::string>>{bearer(kReadToken), {{"Authorization", basic("viewer:view-pass")}}}) {
    EXPECT_EQ(call("GET", "/connectors", "", h).status, 200);
    auto head = call("HEAD", "/connectors", "", h);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(call("GET", "/metrics", "", h).status, 200);
    auto refused = call("POST", "/connectors", datagen("gen"), h);
    expectError(refused, 403, "needs the admin role");
    expectError(call("PUT", "/connectors/gen/config", R"({"connector.class":"datagen","topic":"t"})", h), 403, "admin");
    expectError(call("PUT", "/connector-plugins/datagen/config/validate", R"({"topic":"t"})", h), 403, "admin");
    expectError(call("PUT", "/admin/loggers/sluice", R"({"level":"DEBUG"})", h), 403, "admin");
  }
  EXPECT_EQ(connectors(), json::parse("[]")) << "a refused request changes nothing";
  EXPECT_EQ(log::levelOf("sluice"), log::levelOf("root"));
}

TEST_F(AuthTest, AdminRoleMayDoEverythingWithTokenOrBasic) {
  auto created = call("POST", "/connectors", datagen("gen"), admin());
  ASSERT_EQ(created.status, 201) << created.body;
  std::map<std::string, std::string> opsUser{{"Authorization", basic("ops:ops pass:with colon")}};
  EXPECT_EQ(call("PUT", "/connectors/gen/pause", "", opsUser).status, 202);
  EXPECT_EQ(call("GET", "/connectors/gen", "", bearer(kReadToken)).status, 200);
  std::map<std::string, std::string> lowerCaseScheme{{"Authorization", "bearer " + kAdminToken}};
  EXPECT_EQ(call("DELETE", "/connectors/gen", "", lowerCaseScheme).status, 204);
  EXPECT_EQ(connectors(), json::parse("[]"));
}

TEST_F(AuthTest, HealthIsOpenButMetricsNeedCredentials) {
  EXPECT_EQ(call("GET", "/health").status, 200);
  expectError(call("GET", "/metrics"), 401, "Authentication required");
  expectError(call("POST", "/health"), 401, "Authentication required");
}

TEST_F(AuthTest, RefusedRequestBodyIsNotReadAndTheConnectionCloses) {
  // Headers announce 10 MB that never come: the answer must not wait for them.
  auto r = test::httpRaw(port_, "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                "Content-Length: 10000000\r\n\r\n");
  expectError(r, 401, "Authentication required");
  EXPECT_EQ(r.headers["connection"], "close");
}

class AnonymousMetricsTest : public AuthTest {
 protected:
  void configureRest(config::RestConfig* rest) override {
    AuthTest::configureRest(rest);
    rest->metricsAnonymous = true;
  }
};

TEST_F(AnonymousMetricsTest, MetricsOpenEverythingElseStillNeedsCredentials) {
  EXPECT_EQ(call("GET", "/metrics").status, 200);
  expectError(call("GET", "/connectors"), 401, "Authentication required");
}

class CorsTest : public AuthTest {
 protected:
  void configureRest(config::RestConfig* rest) override {
    AuthTest::configureRest(rest);
    rest->corsAllowOrigins = {"https://ui.example.com"};
    rest->corsAllowMethods = {"GET", "POST", "PUT", "DELETE"};
  }
  std::map<std::string, std::string> preflight(const std::string& origin, const std::string& method) {
    return {{"Origin", origin}, {"Access-Control-Request-Method", method}, {"Access-Control-Request-Headers", "authorization,content-type"}};
  }
};

TEST_F(CorsTest, PreflightFromAnAllowedOriginNeedsNoCredentials) {
  auto r = call("OPTIONS", "/connectors", "", preflight("https://ui.example.com", "POST"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://ui.example.com");
  EXPECT_EQ(r.headers["access-control-allow-methods"], "GET,POST,PUT,DELETE");
  EXPECT_NE(r.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
  EXPECT_EQ(r.headers["vary"], "Origin");
}

TEST_F(CorsTest, PreflightFromOtherOriginsOrForOtherMethodsIsRefused) {
  auto other = call("OPTIONS", "/connectors", "", preflight("https://evil.example.com", "POST"));
  expectError(other, 403, "https://evil.example.com");
  EXPECT_TRUE(other.headers["access-control-allow-origin"].empty());
  expectError(call("OPTIONS", "/connectors/x/config", "", preflight("https://ui.example.com", "PATCH")), 403, "PATCH");
}

TEST_F(CorsTest, AnswersToAnAllowedOriginCarryTheAllowOriginHeader) {
  auto h = admin();
  h["Origin"] = "https://ui.example.com";
  auto r = call("GET", "/connectors", "", h);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://ui.example.com");
  h.erase("Authorization");
  auto refused = call("GET", "/connectors", "", h);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.headers["access-control-allow-origin"], "https://ui.example.com") << "so the page can read the 401";
  h = admin();
  h["Origin"] = "https://evil.example.com";
  EXPECT_TRUE(call("GET", "/connectors", "", h).headers["access-control-allow-origin"].empty());
}

using CorsOffTest = test::RestFixture;

TEST_F(CorsOffTest, NoCorsHeadersAndNoPreflightUnlessConfigured) {
  auto r = call("OPTIONS", "/connectors", "", {{"Origin", "https://ui.example.com"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.headers["access-control-allow-origin"].empty());
  EXPECT_TRUE(call("GET", "/connectors", "", {{"Origin", "https://ui.example.com"}}).headers["access-control-allow-origin"].empty());
}

class BodyLimitTest : public test::RestFixture {
 protected:
  void configureRest(config::RestConfig* rest) override { rest->maxRequestBytes = 1000; }
};

TEST_F(BodyLimitTest, DeclaredLargerBodyGets413WithoutBeingRead) {
  auto r = test::httpRaw(port_, "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                "Content-Length: 10000000\r\n\r\n");
  expectError(r, 413, "rest.max.request.bytes (1000 bytes)");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
}

TEST_F(BodyLimitTest, ChunkedBodyIsReadOnlyUpToTheLimit) {
  // One chunk of 1001 bytes, and the rest of the body never sent: the server
  // must answer once it has read past the limit, without waiting for more.
  std::string chunk(1001, ' ');
  auto r = test::httpRaw(port_, "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n3e9\r\n" + chunk + "\r\n");
  expectError(r, 413, "rest.max.request.bytes");
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
}

TEST_F(BodyLimitTest, BodiesUpToTheLimitAreServed) {
  std::string body = datagen("gen");
  body.insert(body.size() - 1, std::string(1000 - body.size(), ' '));
  ASSERT_EQ(body.size(), 1000u);
  EXPECT_EQ(call("POST", "/connectors", body).status, 201);
}

// --- TLS ---------------------------------------------------------------------

// A self-signed certificate for 127.0.0.1 and localhost, made by the openssl CLI.
class TlsFiles {
 public:
  TlsFiles() {
    cert = dir.file("cert.pem");
    key = dir.file("key.pem");
    auto r = test::runCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
                              "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " + test::shellQuote(key) +
                              " -out " + test::shellQuote(cert) + " 2>&1");
    ok = r.exitCode == 0;
    output = r.output;
  }
  test::TempDir dir;
  std::string cert, key, output;
  bool ok = false;
};

class TlsTest : public test::RestFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(files_.ok) << files_.output;
    RestFixture::SetUp();
    ASSERT_EQ(server_->ports().size(), 2u);
    httpsPort_ = server_->ports()[0];
    httpPort_ = server_->ports()[1];
  }
  void configureRest(config::RestConfig* rest) override {
    rest->listeners = {{true, "127.0.0.1", 0}, {false, "127.0.0.1", 0}};
    rest->tlsCertificateLocation = files_.cert;
    rest->tlsKeyLocation = files_.key;
  }
  test::CommandResult curl(const std::string& args) {
    return test::runCommand("curl -sS --max-time 20 -o - -w '\\n%{http_code}' " + args + " 2>&1");
  }
  TlsFiles files_;
  int httpsPort_ = 0, httpPort_ = 0;
};

TEST_F(TlsTest, CurlTalksToTheHttpsListenerWithTheCertificate) {
  std::string https = "https://127.0.0.1:" + std::to_string(httpsPort_);
  auto list = curl("--cacert " + test::shellQuote(files_.cert) + " " + https + "/connectors");
  ASSERT_EQ(list.exitCode, 0) << list.output;
  EXPECT_EQ(list.output, "[]\n200");
  auto created = curl("--cacert " + test::shellQuote(files_.cert) + " -X POST -H 'Content-Type: application/json' --data " +
                      test::shellQuote(datagen("gen")) + " " + https + "/connectors");
  ASSERT_EQ(created.exitCode, 0) << created.output;
  EXPECT_TRUE(created.output.ends_with("\n201")) << created.output;
  auto byName = curl("--cacert " + test::shellQuote(files_.cert) + " https://localhost:" + std::to_string(httpsPort_) + "/connectors");
  EXPECT_EQ(byName.output, "[\"gen\"]\n200");
}

TEST_F(TlsTest, UntrustedCertificateAndPlainHttpToTheHttpsPortFailCleanly) {
  std::string https = "https://127.0.0.1:" + std::to_string(httpsPort_);
  auto untrusted = curl(https + "/connectors");
  EXPECT_EQ(untrusted.exitCode, 60) << untrusted.output;  // peer certificate cannot be authenticated
  auto plain = curl("http://127.0.0.1:" + std::to_string(httpsPort_) + "/connectors");
  EXPECT_NE(plain.exitCode, 0) << plain.output;
  EXPECT_NE(plain.exitCode, 28) << "must fail at once, not time out: " << plain.output;
  EXPECT_FALSE(plain.output.starts_with("[]")) << plain.output;
  auto after = curl("--cacert " + test::shellQuote(files_.cert) + " " + https + "/connectors");
  EXPECT_EQ(after.output, "[]\n200") << "the server still serves TLS afterwards";
}

TEST_F(TlsTest, HttpListenerServesNextToTheHttpsOne) {
  auto plain = curl("http://127.0.0.1:" + std::to_string(httpPort_) + "/connectors");
  EXPECT_EQ(plain.output, "[]\n200");
}

class TlsConfigErrorTest : public ::testing::Test {
 protected:
  std::string startError(const std::string& cert, const std::string& key, const std::string& password = "") {
    config::RestConfig cfg;
    cfg.listeners = {{true, "127.0.0.1", 0}};
    cfg.tlsCertificateLocation = cert;
    cfg.tlsKeyLocation = key;
    cfg.tlsKeyPassword = password;
    Server server(router_, cfg);
    return server.started() ? "" : server.error();
  }
  Router router_;
  TlsFiles files_;
};

TEST_F(TlsConfigErrorTest, BadFilesAreStartupErrorsNamingTheKeyAndPath) {
  ASSERT_TRUE(files_.ok) << files_.output;
  EXPECT_EQ(startError(files_.cert, files_.key), "");
  std::string missing = files_.dir.file("missing.pem");
  auto e = startError(missing, files_.key);
  EXPECT_NE(e.find("'listeners.https.ssl.certificate.location'"), std::string::npos) << e;
  EXPECT_NE(e.find(missing), std::string::npos) << e;
  e = startError(files_.cert, missing);
  EXPECT_NE(e.find("'listeners.https.ssl.key.location'"), std::string::npos) << e;
  EXPECT_NE(e.find(missing), std::string::npos) << e;
  e = startError(files_.key, files_.key);
  EXPECT_NE(e.find("'listeners.https.ssl.certificate.location'"), std::string::npos) << e;
  EXPECT_NE(e.find("not a PEM certificate"), std::string::npos) << e;

  std::string otherKey = files_.dir.file("other.pem");
  ASSERT_EQ(test::runCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out " + test::shellQuote(otherKey) + " 2>&1").exitCode, 0);
  e = startError(files_.cert, otherKey);
  EXPECT_NE(e.find("does not match the certificate"), std::string::npos) << e;
}

TEST_F(TlsConfigErrorTest, EncryptedKeyNeedsItsPassword) {
  ASSERT_TRUE(files_.ok) << files_.output;
  std::string encrypted = files_.dir.file("encrypted.pem");
  ASSERT_EQ(test::runCommand("openssl pkey -in " + test::shellQuote(files_.key) + " -aes256 -passout pass:k3y-pass -out " +
                             test::shellQuote(encrypted) + " 2>&1").exitCode, 0);
  EXPECT_EQ(startError(files_.cert, encrypted, "k3y-pass"), "");
  auto e = startError(files_.cert, encrypted);
  EXPECT_NE(e.find("'listeners.https.ssl.key.location'"), std::string::npos) << e;
  EXPECT_NE(e.find("listeners.https.ssl.key.password"), std::string::npos) << e;
  e = startError(files_.cert, encrypted, "Wr0ng-Pa55");
  EXPECT_NE(e.find(encrypted), std::string::npos) << e;
  EXPECT_EQ(e.find("Wr0ng-Pa55"), std::string::npos) << "never echo the password: " << e;
}

}  // namespace
}  // namespace sluice::rest

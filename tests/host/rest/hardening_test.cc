// The REST server against what broke when Sluice was tried in place of
// Kafka Connect: cross-site writes, idle and slow connections, refusals the
// web server makes itself, and Connect's reading of query parameters.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

// A TCP connection to the server that sends what the test says, when it says.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return connected_; }
  bool send(const std::string& bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()); }
  /// Everything the server sends until it closes (or `wait` passes).
  std::string readAll(std::chrono::milliseconds wait) {
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  /// Whether the server closed the connection (waits up to `wait`).
  bool closedByServer(std::chrono::milliseconds wait) {
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    while (true) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

using CrossSiteTest = test::RestFixture;

TEST_F(CrossSiteTest, WritesWithABodyThatIsNotJsonGet415AndChangeNothing) {
  // A browser's "simple" cross-site request: text/plain, a form, multipart.
  for (const std::string type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"}) {
    auto r = test::http(port_, "POST", "/connectors", datagen("x"), type, {{"Origin", "https://evil.example"}});
    expectError(r, 415, "Content-Type: application/json");
    EXPECT_NE(r.body.find(type.substr(0, 10)), std::string::npos) << "names what was sent: " << r.body;
  }
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  std::string config = R"({"connector.class":"datagen","topic":"other","records.per.second":"10"})";
  for (const std::string method : {"PUT", "PATCH"})
    expectError(test::http(port_, method, "/connectors/gen/config", config, "text/plain"), 415, "application/json");
  expectError(test::httpRaw(port_, "DELETE /connectors/gen HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"),
              415, "none was given");
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse(R"(["gen"])"));
  EXPECT_EQ(parse(call("GET", "/connectors/gen/config")).at("topic"), "t");
  // JSON with parameters, in any case, is JSON; writes without a body need no type.
  EXPECT_EQ(test::http(port_, "POST", "/connectors", datagen("gen2"), "Application/JSON; charset=utf-8").status, 201);
  EXPECT_EQ(test::httpRaw(port_, "POST /connectors/gen/restart HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 204);
  EXPECT_EQ(test::httpRaw(port_, "DELETE /connectors/gen2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 204);
}

using ServerRefusalTest = test::RestFixture;

TEST_F(ServerRefusalTest, RefusalsOfTheWebServerItselfCarryConnectsJsonErrorBody) {
  expectError(test::httpRaw(port_, "TRACE /connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 405, "TRACE");
  std::string longUrl = "/connectors?x=" + std::string(64 * 1024, 'a');
  expectError(test::httpRaw(port_, "GET " + longUrl + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 414, "URI Too Long");
  // Headers past civetweb's buffer look to it like a request cut short: the
  // answer says both (a JSON error either way).
  expectError(test::httpRaw(port_, "GET /connectors HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(200 * 1024, 'b') +
                                       "\r\nConnection: close\r\n\r\n"),
              408, "exceed 128 KiB");
  auto garbage = test::httpRaw(port_, "GARBAGE\r\n\r\n");
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  EXPECT_EQ(parse(garbage).at("error_code"), 400);
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
}

class IdleConnectionsTest : public test::RestFixture {
 protected:
  void configureRest(config::RestConfig* rest) override { rest->requestTimeoutMs = 1000; }
};

TEST_F(IdleConnectionsTest, AHundredIdleOrSlowConnectionsLeaveTheApiAnswering) {
  std::vector<std::unique_ptr<RawConnection>> idle, slow;
  for (int i = 0; i < 80; ++i) idle.push_back(std::make_unique<RawConnection>(port_));
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    slow.back()->send("G");  // the start of a request, and then nothing for a while
  }
  for (const auto& c : idle) ASSERT_TRUE(c->connected());
  for (const std::string path : {"/health", "/connectors"}) {
    auto start = std::chrono::steady_clock::now();
    auto r = call("GET", path);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status, 200) << path;
    // Eight idle connections used to hold the API for the request timeout
    // (30 s); the bound here is loose for a loaded machine, not a benchmark.
    EXPECT_LT(took, 5s) << path;
  }
  // Clients that do not finish their request are cut by the read timeout.
  for (auto& c : slow) EXPECT_TRUE(c->closedByServer(10s));
}

TEST_F(IdleConnectionsTest, ARequestCutShortByTheTimeoutGets408AndChangesNothing) {
  // A body that stops short of its Content-Length must never reach a handler.
  std::string body = datagen("partial");
  RawConnection shortBody(port_);
  ASSERT_TRUE(shortBody.send("POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size() + 50) + "\r\n\r\n" + body));
  std::string answer = shortBody.readAll(10s);
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 408") << answer;
  EXPECT_NE(answer.find("\"error_code\":408"), std::string::npos) << answer;
  // A request line that never ends: 408 too, not a claim about its length.
  RawConnection shortHead(port_);
  ASSERT_TRUE(shortHead.send("GET /hea"));
  answer = shortHead.readAll(10s);
  if (!answer.empty()) {
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 408") << answer;
  }
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
}

// --- Connect's reading of query parameters ---------------------------------

using QueryTest = test::RestFixture;

TEST_F(QueryTest, BooleansInAnyCaseAsConnectReadsThem) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  // What `kc restart` sends, and the other spellings Java's Boolean reads.
  for (const std::string q : {"includeTasks=False", "includeTasks=TRUE&onlyFailed=false", "includeTasks=true&onlyFailed=True",
                              "includeTasks=&onlyFailed="}) {
    auto r = call("POST", "/connectors/gen/restart?" + q);
    EXPECT_TRUE(r.status == 202 || r.status == 204) << q << ": " << r.status << " " << r.body;
  }
  auto plugins = parse(call("GET", "/connector-plugins?connectorsOnly=FALSE")).as_array();
  auto connectorsOnly = parse(call("GET", "/connector-plugins?connectorsOnly=True")).as_array();
  EXPECT_GT(plugins.size(), connectorsOnly.size());
  EXPECT_EQ(parse(call("GET", "/connector-plugins")).as_array().size(), connectorsOnly.size());
  expectError(call("POST", "/connectors/gen/restart?includeTasks=maybe"), 400, "includeTasks must be true or false, got 'maybe'");
  expectError(call("GET", "/connector-plugins?connectorsOnly=1"), 400, "connectorsOnly");
}

TEST_F(QueryTest, AnUnknownExpandGivesTheMapFormAsConnect) {
  EXPECT_EQ(parse(call("GET", "/connectors?expand=bogus")), json::parse("{}"));
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  EXPECT_EQ(parse(call("GET", "/connectors?expand=bogus")), json::parse(R"({"gen":{}})"));
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse(R"(["gen"])"));
}

TEST_F(QueryTest, NumbersInAConfigAreKeptAsWrittenNotInExponentForm) {
  auto r = call("POST", "/connectors", R"({"name":"gen","config":{"connector.class":"datagen","topic":"t","records.per.second":2.5,"payload.bytes":16}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto config = parse(call("GET", "/connectors/gen/config"));
  EXPECT_EQ(config.at("records.per.second"), "2.5");
  EXPECT_EQ(config.at("payload.bytes"), "16");
}

}  // namespace
}  // namespace sluice::rest

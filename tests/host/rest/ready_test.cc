// GET /ready (readiness) against a live server: 503 until the worker has
// started its connectors, 200 then, 503 again once it shuts down; open
// without credentials like /health.
#include <boost/json.hpp>

#include <atomic>

#include "host/rest/api.h"
#include "tests/support/worker_fixture.h"

namespace sluice::rest {
namespace {

class ReadyTest : public test::WorkerFixture {
 protected:
  void start(config::RestConfig rest) {
    registerApi(router_, ApiContext{herder_.get(), &registry_, &metrics_, [] { return std::string("c"); }, "1", "x",
                                    &started_, &stopping_});
    rest.listeners = {config::Listener{false, "127.0.0.1", 0}};
    server_ = std::make_unique<Server>(router_, rest);
    ASSERT_TRUE(server_->started()) << server_->error();
  }
  void TearDown() override {
    server_.reset();
    WorkerFixture::TearDown();
  }
  test::HttpResponse get(const std::string& path) { return test::http(server_->port(), "GET", path); }
  static std::string status(const test::HttpResponse& r) {
    return std::string(boost::json::parse(r.body).at("status").as_string());
  }

  std::atomic<bool> started_{false}, stopping_{false};
  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(ReadyTest, NotReadyUntilStartedAndAgainWhenStopping) {
  start({});
  auto r = get("/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(status(r), "starting");
  EXPECT_EQ(get("/health").status, 503);

  started_ = true;
  r = get("/ready");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(status(r), "ready");
  EXPECT_EQ(r.headers["content-type"].substr(0, 16), "application/json");

  stopping_ = true;
  r = get("/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(status(r), "stopping");
  EXPECT_EQ(get("/health").status, 200) << "a stopping worker is alive: liveness must not fail";
}

TEST_F(ReadyTest, OpenWithoutCredentialsWhenAuthenticationIsOn) {
  config::RestConfig rest;
  rest.tokens = {{"ci", "admin-token-0123456789", config::Role::kAdmin}};
  start(rest);
  started_ = true;
  EXPECT_EQ(get("/ready").status, 200);
  EXPECT_EQ(get("/connectors").status, 401);
  EXPECT_EQ(test::http(server_->port(), "POST", "/ready").status, 401) << "only reads are open";
}

}  // namespace
}  // namespace sluice::rest

#pragma once
// A live REST server (civetweb on a free port) over an in-process worker on
// the embedded mock cluster. Subclasses change the REST config (auth, TLS,
// CORS, limits) in configureRest().

#include <boost/json.hpp>

#include <memory>

#include "host/rest/api.h"
#include "tests/support/worker_fixture.h"

namespace sluice::test {

class RestFixture : public WorkerFixture {
 protected:
  void SetUp() override {
    WorkerFixture::SetUp();
    rest::registerApi(router_, rest::ApiContext{herder_.get(), &registry_, &metrics_, [] { return std::string("cluster-x"); }, "9.9.9", "abc123"});
    rest_.listeners = {config::Listener{false, "127.0.0.1", 0}};
    configureRest(&rest_);
    server_ = std::make_unique<rest::Server>(router_, rest_);
    ASSERT_TRUE(server_->started()) << server_->error();
    port_ = server_->port();
  }
  void TearDown() override {
    server_.reset();
    WorkerFixture::TearDown();
  }
  virtual void configureRest(config::RestConfig*) {}

  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                                  const std::map<std::string, std::string>& headers = {}) {
    return http(port_, method, path, body, "application/json", headers);
  }
  static boost::json::value parse(const HttpResponse& r) { return boost::json::parse(r.body); }
  static void expectError(const HttpResponse& r, int code, const std::string& text) {
    EXPECT_EQ(r.status, code) << r.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << "not a JSON error body: " << r.body;
    EXPECT_EQ(v.at("error_code").as_int64(), code);
    EXPECT_NE(std::string(v.at("message").as_string()).find(text), std::string::npos) << r.body;
  }
  static std::string datagen(const std::string& name, const std::string& topic = "t") {
    return R"({"name":")" + name + R"(","config":{"connector.class":"datagen","topic":")" + topic + R"(","records.per.second":"10"}})";
  }

  config::RestConfig rest_;
  rest::Router router_;
  std::unique_ptr<rest::Server> server_;
  int port_ = 0;
};

}  // namespace sluice::test

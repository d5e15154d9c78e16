// Many clients at once: mixed creates, config updates, pauses, resumes,
// deletes and reads from several threads against a live server. No request
// may fail with a 5xx or a dropped connection, and the state left behind must
// be consistent whichever order the requests ran in.
#include <boost/json.hpp>

#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

using RestConcurrencyTest = test::RestFixture;

TEST_F(RestConcurrencyTest, MixedRequestsFromManyThreadsLeaveAConsistentState) {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 30;
  constexpr int kNames = 5;
  std::mutex mu;
  std::vector<std::string> problems;
  int served = 0;

  auto worker = [&](int t) {
    std::mt19937 rng(1234 + t);  // fixed seeds: the same mix on every run
    for (int i = 0; i < kOpsPerThread; ++i) {
      std::string name = "c" + std::to_string(rng() % kNames);
      std::string path = "/connectors/" + name;
      test::HttpResponse r;
      std::string what;
      switch (rng() % 8) {
        case 0: what = "POST /connectors " + name; r = call("POST", "/connectors", datagen(name, "topic-" + name)); break;
        case 1:
          what = "PUT " + path + "/config";
          r = call("PUT", path + "/config", R"({"connector.class":"datagen","topic":"topic-)" + name + R"(","records.per.second":")" +
                                                std::to_string(5 + rng() % 10) + "\"}");
          break;
        case 2: what = "PUT " + path + "/pause"; r = call("PUT", path + "/pause"); break;
        case 3: what = "PUT " + path + "/resume"; r = call("PUT", path + "/resume"); break;
        case 4: what = "DELETE " + path; r = call("DELETE", path); break;
        case 5: what = "GET " + path; r = call("GET", path); break;
        case 6: what = "GET " + path + "/status"; r = call("GET", path + "/status"); break;
        default: what = "GET /connectors?expand=status"; r = call("GET", "/connectors?expand=status&expand=info"); break;
      }
      // Success, or the answers a race may rightly give: gone (404) or
      // already exists / busy (409). Never a 5xx, a 400 or no answer.
      bool fine = (r.status >= 200 && r.status < 300) || r.status == 404 || r.status == 409;
      std::lock_guard<std::mutex> lock(mu);
      ++served;
      if (!fine) problems.push_back(what + " -> " + std::to_string(r.status) + " " + r.body);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();
  EXPECT_EQ(served, kThreads * kOpsPerThread);
  for (const auto& p : problems) ADD_FAILURE() << p;

  // Every connector listed has an info and a status; every other name is gone.
  std::set<std::string> listed;
  json::value list = parse(call("GET", "/connectors"));
  for (const auto& n : list.as_array()) listed.insert(std::string(n.as_string()));
  auto names = herder_->names();
  EXPECT_EQ(listed, std::set<std::string>(names.begin(), names.end()));
  auto expanded = parse(call("GET", "/connectors?expand=status")).as_object();
  EXPECT_EQ(expanded.size(), listed.size());
  for (int i = 0; i < kNames; ++i) {
    std::string name = "c" + std::to_string(i);
    std::string path = "/connectors/" + name;
    if (!listed.count(name)) {
      expectError(call("GET", path), 404, "not found");
      expectError(call("GET", path + "/status"), 404, name);
      continue;
    }
    EXPECT_EQ(call("GET", path).status, 200);
    auto status = call("GET", path + "/status");
    ASSERT_EQ(status.status, 200) << status.body;
    std::string state(parse(status).at("connector").at("state").as_string());
    EXPECT_TRUE(state == "RUNNING" || state == "PAUSED") << name << ": " << status.body;
    ASSERT_TRUE(expanded.contains(name)) << name;
    EXPECT_EQ(expanded.at(name).at("status").at("connector").at("state"), json::value(state));
    // Its tasks settle in the connector's state.
    EXPECT_TRUE(test::waitFor([&] {
      auto s = parse(call("GET", path + "/status"));
      return s.at("tasks").as_array().size() == 1 && s.at("tasks").at(0).at("state") == json::value(state);
    }, 30s)) << call("GET", path + "/status").body;
  }

  // Deleted connectors are gone, from the API and from the worker.
  for (const auto& name : listed) EXPECT_EQ(call("DELETE", "/connectors/" + name).status, 204) << name;
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
  EXPECT_TRUE(herder_->names().empty());
}

}  // namespace
}  // namespace sluice::rest

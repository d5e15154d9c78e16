// redis-sink: the real sluice binary, the real broker (ctest fixture `kafka`)
// and a real Redis 7 (ctest fixture `redis`, scripts/redis.sh on
// $SLUICE_TEST_REDIS). Every test checks the exact contents of Redis against
// a model of what the records should have made of it.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "tests/support/connector_harness.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

std::string redisAddress() {
  const char* a = std::getenv("SLUICE_TEST_REDIS");
  return a && *a ? a : "127.0.0.1:16379";
}
std::string redisPort() { return redisAddress().substr(redisAddress().rfind(':') + 1); }

/// scripts/redis.sh against the test server; returns the exit status.
int redisScript(const std::string& args, const std::string& env = "") {
  auto r = runCommand("cd " + shellQuote(sourceDir()) + " && " + env + " REDIS_PORT=" + redisPort() +
                      " timeout 60 bash scripts/redis.sh " + args + " 2>&1");
  if (r.exitCode != 0 && args != "status") std::cerr << "redis.sh " << args << ": " << r.output << "\n";
  return r.exitCode;
}

/// A small blocking client for checking what the sink wrote. It reconnects
/// after the server restarted.
class Redis {
 public:
  explicit Redis(int db) : db_(db) { connect(); }
  ~Redis() {
    if (c_) redisFree(c_);
  }
  /// The reply as JSON: strings, integers, arrays, null; errors as {"error":..}.
  json::value cmd(const std::vector<std::string>& args) {
    if (!c_) connect();
    std::vector<const char*> argv;
    std::vector<size_t> argl;
    for (const auto& a : args) {
      argv.push_back(a.data());
      argl.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(args.size()), argv.data(), argl.data()));
    if (!r) {
      std::string err = c_->errstr;
      redisFree(c_);
      c_ = nullptr;
      throw std::runtime_error("redis connection lost: " + err);
    }
    json::value v = toJson(r);
    freeReplyObject(r);
    return v;
  }
  std::optional<std::string> get(const std::string& key) {
    auto v = cmd({"GET", key});
    if (v.is_null()) return std::nullopt;
    return std::string(v.as_string());
  }
  int64_t dbsize() { return cmd({"DBSIZE"}).as_int64(); }
  std::set<std::string> keys(const std::string& pattern) {
    std::set<std::string> out;
    std::string cursor = "0";
    do {
      auto r = cmd({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}).as_array();
      cursor = std::string(r[0].as_string());
      for (const auto& k : r[1].as_array()) out.insert(std::string(k.as_string()));
    } while (cursor != "0");
    return out;
  }
  std::map<std::string, std::string> hgetall(const std::string& key) {
    std::map<std::string, std::string> out;
    auto a = cmd({"HGETALL", key}).as_array();
    for (size_t i = 0; i + 1 < a.size(); i += 2) out[std::string(a[i].as_string())] = std::string(a[i + 1].as_string());
    return out;
  }

 private:
  void connect() {
    std::string a = redisAddress();
    timeval tv{5, 0};
    c_ = redisConnectWithTimeout(a.substr(0, a.rfind(':')).c_str(), std::stoi(redisPort()), tv);
    if (!c_ || c_->err) {
      if (c_) redisFree(c_);
      c_ = nullptr;
      throw std::runtime_error("cannot connect to redis at " + a + " (scripts/redis.sh up)");
    }
    redisSetTimeout(c_, tv);
    cmd({"SELECT", std::to_string(db_)});
  }
  static json::value toJson(const redisReply* r) {
    switch (r->type) {
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_STATUS: return json::string(std::string_view(r->str, r->len));
      case REDIS_REPLY_INTEGER: return r->integer;
      case REDIS_REPLY_NIL: return nullptr;
      case REDIS_REPLY_ERROR: return json::object{{"error", std::string_view(r->str, r->len)}};
      case REDIS_REPLY_ARRAY: {
        json::array a;
        for (size_t i = 0; i < r->elements; ++i) a.push_back(toJson(r->element[i]));
        return a;
      }
    }
    return nullptr;
  }
  int db_;
  redisContext* c_ = nullptr;
};

/// Brings the server back up if a test leaves it down (a failed assertion).
struct RedisBackUp {
  ~RedisBackUp() {
    if (redisScript("status") != 0) redisScript("up");
  }
};

std::string uri(int db, const std::string& credentials = "") {
  return "redis://" + credentials + redisAddress() + "/" + std::to_string(db);
}

// ---------------------------------------------------------------------------
// SET across a kill -9 of sluice and a restart of Redis, with the breaker on.
// ---------------------------------------------------------------------------
TEST(RedisSinkTest, SetStateIsExactAcrossKillNineAndRedisRestart) {
  const int db = 1;
  Redis redis(db);
  redis.cmd({"FLUSHDB"});
  const std::string topic = uniqueName("redis-set"), prefix = "t:";
  createTopic(topic, 3);

  // The model: Redis should end up holding, per key, the last value written
  // (a tombstone removes the key). Keys decide partitions, so per-key order holds.
  std::map<std::string, std::string> expected;
  auto batch = [&](const std::vector<KafkaRecord>& recs) {
    for (const auto& r : recs) {
      if (r.value) expected[prefix + *r.key] = *r.value;
      else expected.erase(prefix + *r.key);
    }
    produce(topic, recs);
  };
  auto value = [](int i, int gen) { return "{\"seq\":" + std::to_string(i) + ",\"gen\":" + std::to_string(gen) + "}"; };
  std::vector<KafkaRecord> phase;
  for (int i = 0; i < 6000; ++i) phase.push_back({"k" + std::to_string(i), value(i, 1)});
  batch(phase);

  SluiceRun run;
  run.addConnector("redis-set", {{"connector.class", "redis-sink"},
                                 {"topics", topic},
                                 {"tasks.max", "2"},
                                 {"redis.uri", uri(db)},
                                 {"redis.key.prefix", prefix},
                                 {"errors.breaker.failure.threshold", "3"},
                                 {"errors.breaker.open.ms", "1000"}});
  run.start();
  ASSERT_TRUE(waitFor([&] { return redis.dbsize() >= 2000; }, 60s)) << run.log();
  EXPECT_EQ(run.stop(SIGKILL, 10s), 128 + SIGKILL);
  std::cout << "killed sluice with " << redis.dbsize() << " of 6000 keys written\n";

  // While it is dead: deletes and updates of old keys, and new keys.
  phase.clear();
  for (int i = 0; i < 6000; ++i) {
    if (i % 10 == 0) phase.push_back({"k" + std::to_string(i), std::nullopt});
    else if (i % 7 == 0) phase.push_back({"k" + std::to_string(i), value(i, 2)});
  }
  for (int i = 6000; i < 9000; ++i) phase.push_back({"k" + std::to_string(i), value(i, 1)});
  batch(phase);
  run.start();


  // Redis goes away in mid-stream (its data kept, as a real restart keeps it).
  RedisBackUp backUp;
  ASSERT_TRUE(waitFor([&] { return redis.get(prefix + "k7000").has_value(); }, 60s)) << run.log();
  ASSERT_EQ(redisScript("down", "KEEP_DATA=1"), 0);
  ASSERT_EQ(redisScript("status"), 3) << "the test server must really be down";
  phase.clear();
  for (int i = 9000; i < 12000; ++i) phase.push_back({"k" + std::to_string(i), value(i, 1)});
  for (int i = 1; i < 6000; i += 11) phase.push_back({"k" + std::to_string(i), value(i, 3)});  // some were deleted
  batch(phase);
  // The batch is offered again and again; after three failed puts in a row
  // the breaker opens. The task stays RUNNING and keeps the records.
  EXPECT_TRUE(waitFor([&] { return run.metric("sluice_sink_task_breaker_state", "redis-set") >= 1; }, 30s))
      << run.log();
  EXPECT_GT(run.metric("sluice_task_retries_total", "redis-set"), 0);
  EXPECT_EQ(run.taskState("redis-set"), "RUNNING") << json::serialize(run.status("redis-set"));
  ASSERT_EQ(redisScript("up"), 0);

  // Exactly the model: no key missing, none extra (the database is this
  // test's own), every value byte for byte.
  std::vector<std::string> names;
  for (const auto& [k, v] : expected) names.push_back(k);
  size_t wrong = 0;
  auto exact = [&] {
    try {
      if (redis.dbsize() != static_cast<int64_t>(expected.size())) return false;
      wrong = 0;
      for (size_t i = 0; i < names.size(); i += 1000) {
        std::vector<std::string> args{"MGET"};
        for (size_t j = i; j < std::min(names.size(), i + 1000); ++j) args.push_back(names[j]);
        auto vals = redis.cmd(args).as_array();
        for (size_t j = 0; j < vals.size(); ++j)
          if (!vals[j].is_string() || vals[j].as_string() != expected[names[i + j]]) ++wrong;
      }
      return wrong == 0;
    } catch (const std::exception&) {
      return false;  // the server is still loading
    }
  };
  ASSERT_TRUE(waitFor(exact, 90s)) << redis.dbsize() << " keys, expected " << expected.size() << ", " << wrong
                                   << " values differ\n" << run.log().substr(0, 6000);
  EXPECT_EQ(run.taskState("redis-set"), "RUNNING");
  EXPECT_EQ(run.stop(SIGINT), 0);
  std::cout << "SET across kill -9 and a Redis restart: " << expected.size() << " keys exact\n";
}

// ---------------------------------------------------------------------------
// HSET, XADD and SET with TTL on the same records; errant records to the DLQ;
// credentials from a config provider, and wrong ones.
// ---------------------------------------------------------------------------
TEST(RedisSinkTest, HsetXaddSetAndErrantRecordsAreExact) {
  const int db = 2;
  Redis redis(db);
  redis.cmd({"FLUSHDB"});
  const std::string topic = uniqueName("redis-modes"), dlq = topic + "-dlq";
  createTopic(topic, 1);
  createTopic(dlq, 1);
  // An ACL user whose password the connector reads from a file.
  const std::string password = uniqueName("pw");
  ASSERT_EQ(redis.cmd({"ACL", "SETUSER", "sluice-test", "reset", "on", ">" + password, "~*", "&*", "+@all"}),
            json::value("OK"));
  // h:wrong holds a string, so HSET to it fails with WRONGTYPE.
  redis.cmd({"SET", "h:wrong", "a string"});

  std::vector<KafkaRecord> recs = {
      {"u1", R"({"name":"ann","age":31,"tags":["a","b"],"addr":{"city":"x"},"ok":true,"none":null})"},
      {"u2", R"({"name":"bob"})"},
      {"u1", R"({"age":32})"},
      {"u2", std::nullopt},
      {"u3", "[1,2]"},
      {std::nullopt, R"({"name":"nokey"})"},
      {"wrong", R"({"a":1})"},
      {"u4", R"({"n":1})"},
      {"u6", "{}"},
  };
  for (int i = 0; i < 20; ++i) recs.push_back({"s" + std::to_string(i), "{\"i\":" + std::to_string(i) + "}"});
  produce(topic, recs);

  // The models.
  std::map<std::string, std::string> set;
  std::map<std::string, std::map<std::string, std::string>> hashes{{"h:wrong", {}}};
  std::vector<std::vector<std::pair<std::string, std::string>>> stream;
  std::vector<size_t> hsetErrant;
  for (size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    if (r.key) {
      if (r.value) set["s:" + *r.key] = *r.value;
      else set.erase("s:" + *r.key);
    }
    if (!r.value) {
      if (r.key) hashes.erase("h:" + *r.key);
      continue;
    }
    boost::system::error_code ec;
    auto v = json::parse(*r.value, ec);
    bool object = !ec && v.is_object();
    std::vector<std::pair<std::string, std::string>> fields;
    if (object)
      for (const auto& [k, x] : v.as_object())
        fields.emplace_back(k, x.is_string() ? std::string(x.as_string()) : json::serialize(x));
    if (object && !fields.empty()) stream.push_back(fields);
    if (!r.key || !object || *r.key == "wrong") {
      hsetErrant.push_back(i);
      continue;
    }
    for (const auto& [k, x] : fields) hashes["h:" + *r.key][k] = x;
  }
  if (stream.size() > 10) stream.erase(stream.begin(), stream.end() - 10);

  SluiceRun run;
  writeFile(run.dir().file("secret.properties"), "redis.password=" + password + "\n");
  const std::string providedUri =
      "redis://sluice-test:${file:" + run.dir().file("secret.properties") + ":redis.password}@" + redisAddress() + "/" + std::to_string(db);
  run.addConnector("redis-hset", {{"connector.class", "redis-sink"}, {"topics", topic},
                                  {"redis.uri", providedUri}, {"redis.command", "HSET"},
                                  {"redis.key.prefix", "h:"}, {"errors.tolerance", "all"},
                                  {"errors.deadletterqueue.topic.name", dlq},
                                  {"errors.deadletterqueue.context.headers.enable", "true"}});
  run.addConnector("redis-xadd", {{"connector.class", "redis-sink"}, {"topics", topic},
                                  {"redis.uri", uri(db)}, {"redis.command", "XADD"},
                                  {"redis.key.prefix", "x:"}, {"redis.stream.maxlen", "10"},
                                  {"redis.stream.maxlen.approximate", "false"}, {"errors.tolerance", "all"}});
  run.addConnector("redis-set", {{"connector.class", "redis-sink"}, {"topics", topic},
                                 {"redis.uri", uri(db)}, {"redis.key.prefix", "s:"},
                                 {"redis.ttl.seconds", "1000"}, {"errors.tolerance", "all"}});
  run.addConnector("redis-badpass", {{"connector.class", "redis-sink"}, {"topics", topic},
                                     {"redis.uri", uri(db, "sluice-test:not-" + password + "@")},
                                     {"redis.command", "HSET"}, {"redis.key.prefix", "bad:"}});
  run.start();

  auto dead = consumeAll(dlq, hsetErrant.size(), 60s);
  ASSERT_EQ(dead.size(), hsetErrant.size()) << run.log();
  std::map<std::string, std::string> reasons;  // value -> exception message header
  for (size_t i = 0; i < dead.size(); ++i) {
    const auto& want = recs[hsetErrant[i]];
    EXPECT_EQ(dead[i].key, want.key);
    EXPECT_EQ(dead[i].value, want.value);
    for (const auto& [k, v] : dead[i].headers)
      if (k == "__connect.errors.exception.message") reasons[*dead[i].value] = v;
  }
  EXPECT_NE(reasons["[1,2]"].find("HSET needs a JSON object value, got a JSON array"), std::string::npos) << reasons["[1,2]"];
  EXPECT_NE(reasons[R"({"name":"nokey"})"].find("needs a record key"), std::string::npos);
  EXPECT_NE(reasons[R"({"a":1})"].find("WRONGTYPE"), std::string::npos) << reasons[R"({"a":1})"];

  // Hashes: every h:* key and its fields; strings as they are, the rest as JSON.
  ASSERT_TRUE(waitFor([&] { return redis.keys("h:*").size() == hashes.size() && redis.hgetall("h:s19").size() == 1; }, 30s));
  for (const auto& [key, fields] : hashes) {
    if (key == "h:wrong") continue;
    EXPECT_EQ(redis.hgetall(key), fields) << key;
  }
  EXPECT_EQ(redis.get("h:wrong"), "a string");
  EXPECT_EQ(redis.hgetall("h:u1").at("tags"), R"(["a","b"])");
  EXPECT_EQ(redis.hgetall("h:u1").at("none"), "null");

  // The stream: trimmed to exactly the last 10 entries, in order.
  const std::string streamKey = "x:" + topic;
  ASSERT_TRUE(waitFor([&] {
    auto last = redis.cmd({"XREVRANGE", streamKey, "+", "-", "COUNT", "1"});
    return last.is_array() && !last.as_array().empty() &&
           last.as_array()[0].as_array()[1].as_array()[1] == json::value("19");
  }, 30s)) << run.log();
  EXPECT_EQ(redis.cmd({"XLEN", streamKey}), json::value(10));
  auto entries = redis.cmd({"XRANGE", streamKey, "-", "+"}).as_array();
  ASSERT_EQ(entries.size(), stream.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    std::vector<std::pair<std::string, std::string>> got;
    auto f = entries[i].as_array()[1].as_array();
    for (size_t j = 0; j + 1 < f.size(); j += 2) got.emplace_back(f[j].as_string(), f[j + 1].as_string());
    EXPECT_EQ(got, stream[i]) << "entry " << i;
  }

  // SET: every s:* key with its value bytes and a TTL of at most 1000 s.
  ASSERT_TRUE(waitFor([&] { return redis.get("s:s19").has_value(); }, 30s));
  EXPECT_EQ(redis.keys("s:*").size(), set.size());
  for (const auto& [key, value] : set) {
    EXPECT_EQ(redis.get(key), value) << key;
    int64_t ttl = redis.cmd({"TTL", key}).as_int64();
    EXPECT_TRUE(ttl > 0 && ttl <= 1000) << key << " ttl " << ttl;
  }
  EXPECT_EQ(run.metric("sluice_task_records_skipped_total", "redis-set"), 1) << "the record without a key";
  EXPECT_EQ(run.metric("sluice_task_records_skipped_total", "redis-xadd"), 2) << "[1,2] and {}";

  // Wrong credentials: the task fails, naming the user and the server's
  // answer; the password is in no answer and no log line.
  ASSERT_TRUE(waitFor([&] { return run.taskState("redis-badpass") == "FAILED"; }, 30s));
  std::string trace = json::serialize(run.status("redis-badpass"));
  EXPECT_NE(trace.find("refused the credentials of redis.uri (user 'sluice-test'): WRONGPASS"), std::string::npos) << trace;
  auto config = http(run.port(), "GET", "/connectors/redis-badpass/config");
  EXPECT_NE(config.body.find(R"("redis.uri":"[hidden]")"), std::string::npos) << config.body;
  EXPECT_EQ(config.body.find(password), std::string::npos);
  EXPECT_EQ(trace.find(password), std::string::npos);
  EXPECT_EQ(run.log().find(password), std::string::npos);
  EXPECT_TRUE(redis.keys("bad:*").empty());

  // A config that does not fit the mode is refused with the option's name.
  auto bad = http(run.port(), "PUT", "/connectors/redis-bad/config",
                  json::serialize(json::object{{"connector.class", "redis-sink"}, {"topics", topic},
                                               {"redis.uri", uri(db)}, {"redis.stream.maxlen", "5"}}));
  bool refused = bad.status == 400 && bad.body.find("redis.stream.maxlen applies to XADD only") != std::string::npos;
  if (!refused) {
    // Validated when the task is created: it fails with the same message.
    ASSERT_TRUE(waitFor([&] { return run.taskState("redis-bad") == "FAILED"; }, 30s)) << bad.status << " " << bad.body;
    EXPECT_NE(json::serialize(run.status("redis-bad")).find("redis.stream.maxlen applies to XADD only"), std::string::npos);
  }
  EXPECT_EQ(run.stop(SIGINT), 0);
}

}  // namespace
}  // namespace sluice::test

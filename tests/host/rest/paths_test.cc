// How the server reads paths and names: each path segment percent-decoded on
// its own, answers that are always valid JSON, and names that cannot break
// headers. Found by fuzzing the API with schemathesis (rest.Schemathesis).
#include <boost/json.hpp>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;

using RestPathsTest = test::RestFixture;

// Boost.JSON's parser rejects invalid UTF-8, as every client's does.
bool isJson(const std::string& body) {
  boost::system::error_code ec;
  json::parse(body, ec);
  return !ec;
}

TEST_F(RestPathsTest, EachSegmentIsDecodedOnItsOwnAndOnce) {
  auto created = call("POST", "/connectors",
                      R"({"name":"a+b /c","config":{"connector.class":"datagen","topic":"t","records":"1"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["location"], "/connectors/a%2Bb%20%2Fc");
  auto got = call("GET", created.headers["location"]);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(parse(got).at("name"), "a+b /c");
  EXPECT_EQ(call("GET", "/connectors/a%2Bb%20%2Fc/status").status, 200);

  // "+" is a plus in a path (not a space), "%2F" stays inside its segment,
  // "%25" decodes once, and dot segments are names like any other.
  expectError(call("GET", "/connectors/a+b"), 404, "Connector a+b not found");
  expectError(call("GET", "/connectors/a%2Fpause"), 404, "Connector a/pause not found");
  expectError(call("GET", "/connectors/a%252Fb"), 404, "Connector a%2Fb not found");
  expectError(call("GET", "/connectors/%2E%2E"), 404, "Connector .. not found");
  expectError(call("GET", "/connectors/.."), 404, "Connector .. not found");
  auto nul = call("GET", "/connectors/%00");
  EXPECT_EQ(nul.status, 404) << "a NUL must not cut the path short: " << nul.body;
}

TEST_F(RestPathsTest, AnswersAreValidJsonWhateverBytesThePathHolds) {
  auto r = call("GET", "/connectors/%FF");
  expectError(r, 404, "Unknown path /connectors/");
  EXPECT_TRUE(isJson(r.body)) << r.body;
  // Not valid UTF-8 cannot become a logger (or connector) name, whose lists
  // would then no longer be JSON.
  EXPECT_EQ(call("PUT", "/admin/loggers/%C0%AF", R"({"level":"INFO"})").status, 404);
  EXPECT_EQ(call("PUT", "/connectors/%ED%A0%80/config", R"({"connector.class":"datagen","topic":"t"})").status, 404);
  auto loggers = call("GET", "/admin/loggers");
  EXPECT_TRUE(isJson(loggers.body)) << loggers.body;
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
  // Query values quoted in a message.
  auto q = call("POST", "/connectors/x/restart?includeTasks=%FF%FE");
  expectError(q, 400, "includeTasks");
  EXPECT_TRUE(isJson(q.body)) << q.body;
  // Valid multi-byte names still work.
  auto created = call("PUT", "/connectors/%C3%A9t%C3%A9/config", R"({"connector.class":"datagen","topic":"t","records":"1"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(parse(created).at("name"), "\xC3\xA9t\xC3\xA9");
}

TEST_F(RestPathsTest, ControlCharactersInNamesAreRefusedAndNeverReachAHeader) {
  auto r = call("POST", "/connectors",
                R"({"name":"x\r\nX-Injected: yes","config":{"connector.class":"datagen","topic":"t"}})");
  expectError(r, 400, "ISO control characters");
  EXPECT_FALSE(r.headers.count("x-injected"));
  expectError(call("PUT", "/connectors/x%0Ay/config", R"({"connector.class":"datagen","topic":"t"})"), 400,
              "ISO control characters");
  expectError(call("PUT", "/connectors/x%C2%85y/config", R"({"connector.class":"datagen","topic":"t"})"), 400,
              "ISO control characters");
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]")) << "nothing was created";
}

TEST_F(RestPathsTest, TaskNumbersAreWholeNumbers) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  expectError(call("POST", "/connectors/gen/tasks/0abc/restart"), 404, "Task gen-0abc not found");
  expectError(call("POST", "/connectors/gen/tasks/1.5/restart"), 404, "Task gen-1.5 not found");
  EXPECT_EQ(call("POST", "/connectors/gen/tasks/0/restart").status, 204);
}

TEST(RestHeadersTest, AHeaderValueCannotEndTheHeader) {
  Router router;
  router.add("GET", "/h", [](const Request&) {
    Response r = noBody(204);
    r.headers["X-Echo"] = "a\r\nX-Injected: yes";
    return r;
  });
  config::RestConfig cfg;
  cfg.listeners = {config::Listener{false, "127.0.0.1", 0}};
  Server server(router, cfg);
  ASSERT_TRUE(server.started()) << server.error();
  auto r = test::http(server.port(), "GET", "/h");
  EXPECT_EQ(r.status, 204);
  EXPECT_FALSE(r.headers.count("x-injected"));
  EXPECT_EQ(r.headers["x-echo"], "a  X-Injected: yes");
}

TEST(RestUtf8Test, InvalidSequencesBecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(validUtf8("plain \xC3\xA9 \xF0\x9F\x98\x80"), "plain \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(validUtf8("\xFF"), fffd);
  EXPECT_EQ(validUtf8("\xC0\xAF"), fffd + fffd) << "overlong";
  EXPECT_EQ(validUtf8("\xED\xA0\x80"), fffd + fffd + fffd) << "surrogate";
  EXPECT_EQ(validUtf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd) << "past U+10FFFF";
  EXPECT_EQ(validUtf8("a\xE2\x82"), "a" + fffd + fffd) << "truncated";
}

}  // namespace
}  // namespace sluice::rest

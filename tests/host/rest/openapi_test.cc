// docs/openapi.yaml: served by the server byte for byte, and documenting
// every route the API registers (schemathesis checks the rest against a live
// worker: tests/host/rest/schemathesis_test.py).
#include "host/rest/openapi.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {

using OpenApiTest = test::RestFixture;

std::string docsYaml() { return test::readFile(test::sourceDir() + "/docs/openapi.yaml"); }

TEST_F(OpenApiTest, ServedBytesAreDocsOpenApiYaml) {
  std::string docs = docsYaml();
  ASSERT_GT(docs.size(), 1000u);
  EXPECT_EQ(openApiYaml(), docs) << "the binary embeds docs/openapi.yaml at build time";
  auto r = call("GET", "/openapi.yaml");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/yaml");
  EXPECT_EQ(r.body.size(), docs.size());
  EXPECT_TRUE(r.body == docs) << "GET /openapi.yaml differs from docs/openapi.yaml";
}

TEST_F(OpenApiTest, HeadAnswersWithTheLengthAndNoBody) {
  auto r = call("HEAD", "/openapi.yaml");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-length"], std::to_string(docsYaml().size()));
  EXPECT_TRUE(r.body.empty());
}

// The operations under each path of the document's `paths:` block, read from
// its two-space layout ("  /path:" then "    method:"): enough for a drift
// check without a YAML parser.
std::map<std::string, std::set<std::string>> documentedOperations(const std::string& yaml) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream in(yaml);
  std::string line, path;
  bool inPaths = false;
  for (; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      inPaths = line == "paths:";
      path.clear();
      continue;
    }
    if (!inPaths) continue;
    if (line.starts_with("  /") && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      out[path];
    } else if (!path.empty() && line.starts_with("    ") && line.size() > 5 && std::islower(static_cast<unsigned char>(line[4])) &&
               line.back() == ':') {
      out[path].insert(line.substr(4, line.size() - 5));
    }
  }
  return out;
}

TEST_F(OpenApiTest, EveryRouteAndItsHeadAreDocumented) {
  auto documented = documentedOperations(docsYaml());
  ASSERT_TRUE(documented.count("/connectors/{name}/offsets")) << "the document's layout changed; fix the reader";
  size_t operations = 0;
  for (const auto& [method, pattern] : router_.routes()) {
    std::string m = method;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char ch) { return std::tolower(ch); });
    ASSERT_TRUE(documented.count(pattern)) << pattern << " is not in docs/openapi.yaml";
    EXPECT_TRUE(documented[pattern].count(m)) << method << " " << pattern << " is not in docs/openapi.yaml";
    if (m == "get") {
      EXPECT_TRUE(documented[pattern].count("head")) << "HEAD " << pattern << " is answered but not documented";
    }
    ++operations;
  }
  EXPECT_GE(operations, 33u) << "routes() lost some";
  // And nothing documented that the server lacks.
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& [method, pattern] : router_.routes()) routed.insert({method, pattern});
  for (const auto& [pattern, methods] : documented)
    for (const auto& m : methods) {
      if (m == "parameters") continue;
      std::string upper = m == "head" ? "GET" : m;
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
      EXPECT_TRUE(routed.count({upper, pattern})) << m << " " << pattern << " is documented but not routed";
    }
}

}  // namespace
}  // namespace sluice::rest

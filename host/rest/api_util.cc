#include "host/rest/api_util.h"

#include <algorithm>

#include "host/common/json_util.h"

namespace sluice::rest {
namespace json = boost::json;

Response fromStatus(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound: return error(404, s.message());
    case Status::Code::kConflict: return error(409, s.message());
    case Status::Code::kInvalid: return error(400, s.message());
    case Status::Code::kRetriable: return error(409, s.message());
    default: return error(500, s.message());
  }
}

// Every config the API echoes goes through here: secrets are shown as "[hidden]".
json::object configJson(const loader::Registry& reg, const config::ConfigMap& m) {
  json::object o;
  for (const auto& [k, v] : config::redactSecrets(reg, m)) o[k] = v;
  return o;
}

json::object infoJson(const loader::Registry& reg, const runtime::ConnectorInfo& i) {
  json::array tasks;
  for (int t = 0; t < i.taskCount; ++t) tasks.push_back(json::object{{"connector", i.name}, {"task", t}});
  return json::object{{"name", i.name}, {"config", configJson(reg, i.config)}, {"tasks", std::move(tasks)}, {"type", i.type}};
}

// A secret sent back as "[hidden]" (a GET, edit, PUT round trip) keeps the
// value stored for it instead of becoming the text "[hidden]".
void keepHiddenSecrets(const loader::Registry& reg, runtime::Herder* w, const std::string& name, config::ConfigMap* m) {
  auto stored = w->configOf(name);
  if (!stored) return;
  for (const auto& [key, def] : config::secretOptions(reg, *m)) {
    auto it = stored->find(key);
    if ((*m)[key] == config::kHiddenValue && it != stored->end()) (*m)[key] = it->second;
  }
}

// The version of the plugin a connector runs, which Connect (4.x) reports in
// its connector and task statuses; empty when the plugin is not loaded.
std::string pluginVersion(const loader::Registry& reg, runtime::Herder* w, const std::string& name) {
  auto cfg = w->configOf(name);
  if (!cfg) return "";
  auto cls = cfg->find("connector.class");
  const loader::Plugin* p = cls == cfg->end() ? nullptr : reg.find(cls->second);
  return p ? p->version : "";
}

json::object taskStatusJson(const runtime::TaskStatus& t, const std::string& workerId, const std::string& version) {
  json::object o{{"id", t.id}, {"state", t.state}, {"worker_id", workerId}};
  if (!version.empty()) o["version"] = version;
  if (!t.trace.empty()) o["trace"] = t.trace;
  // Sluice's own: checkpoints failing (offsets and state not becoming durable).
  if (t.checkpoint)
    o["checkpoint"] = json::object{{"state", "FAILING"}, {"failing_since_ms", t.checkpoint->sinceMs},
                                   {"failures", t.checkpoint->failures}, {"error", t.checkpoint->error}};
  return o;
}

json::object statusJson(const runtime::ConnectorStatus& s, const std::string& workerId, const std::string& version) {
  json::object connector{{"state", s.state}, {"worker_id", workerId}};
  if (!version.empty()) connector["version"] = version;
  if (!s.trace.empty()) connector["trace"] = s.trace;
  json::array tasks;
  for (const auto& t : s.tasks) tasks.push_back(taskStatusJson(t, workerId, version));
  return json::object{{"name", s.name}, {"connector", std::move(connector)}, {"tasks", std::move(tasks)}, {"type", s.type}};
}

// Parse a JSON body that must be an object; nullopt + response on error.
std::optional<json::object> parseObject(const Request& req, Response* err) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) {
    *err = error(400, "Request body is not valid JSON: " + ec.message());
    return std::nullopt;
  }
  if (!v.is_object()) {
    *err = error(400, "Request body must be a JSON object");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

// A Connect config map: every value a string (numbers/booleans are accepted
// and turned into their text, as Connect's Jackson mapping does).
std::optional<config::ConfigMap> configMap(const json::object& o, Response* err) {
  config::ConfigMap m;
  for (const auto& kv : o) {
    auto s = jsonutil::configString(kv.value());
    if (!s) {
      if (kv.value().is_null()) continue;
      *err = error(400, "Config value of '" + std::string(kv.key()) + "' must be a string, number or boolean");
      return std::nullopt;
    }
    m[std::string(kv.key())] = *s;
  }
  return m;
}

// Kafka Connect refuses connector names with ISO control characters (C0,
// DEL, C1): they would end up in headers, log lines and URLs.
std::optional<Response> badName(const std::string& name) {
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    bool c1 = c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F &&
              static_cast<unsigned char>(name[i + 1]) >= 0x80;
    if (c < 0x20 || c == 0x7F || c1) return error(400, "Connector name must not contain ISO control characters");
  }
  return std::nullopt;
}

// A boolean query parameter read as Connect (Java's Boolean.valueOf) reads
// it, in any case (`kc restart` sends includeTasks=False), and absent or
// empty as `def`; a value that is neither true nor false is refused, where
// Connect would silently read it as false.
bool boolQuery(const Request& req, const std::string& key, bool* out, Response* err, bool def) {
  std::string v = req.queryValue(key, "");
  std::string lower = v;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (lower.empty()) {
    *out = def;
    return true;
  }
  if (lower != "true" && lower != "false") {
    *err = error(400, "Query parameter " + key + " must be true or false, got '" + v + "'");
    return false;
  }
  *out = lower == "true";
  return true;
}

}  // namespace sluice::rest

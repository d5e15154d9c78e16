#include "host/rest/api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>

#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/rest/openapi.h"

namespace sluice::rest {
namespace json = boost::json;
namespace {

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
void keepHiddenSecrets(const loader::Registry& reg, runtime::Worker* w, const std::string& name, config::ConfigMap* m) {
  auto stored = w->configOf(name);
  if (!stored) return;
  for (const auto& [key, def] : config::secretOptions(reg, *m)) {
    auto it = stored->find(key);
    if ((*m)[key] == config::kHiddenValue && it != stored->end()) (*m)[key] = it->second;
  }
}

// The version of the plugin a connector runs, which Connect (4.x) reports in
// its connector and task statuses; empty when the plugin is not loaded.
std::string pluginVersion(const loader::Registry& reg, runtime::Worker* w, const std::string& name) {
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

std::string connectType(const std::string& t) {
  std::string u;
  for (char ch : t) u += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return u;
}

// Kafka Connect's ConfigKeyInfo (its JSON names: "order_in_group", not "order").
json::object definitionJson(const config::OptionDef& d, const std::string& group, int order) {
  return json::object{{"name", d.name},
                      {"type", connectType(d.type)},
                      {"required", d.required && !d.defaultValue},
                      {"default_value", d.defaultValue ? json::value(json::string(*d.defaultValue)) : json::value(nullptr)},
                      {"importance", d.required ? "HIGH" : "MEDIUM"},
                      {"documentation", d.doc},
                      {"group", group},
                      {"width", "NONE"},
                      {"display_name", d.name},
                      {"dependents", json::array()},
                      {"order_in_group", order}};
}

// Kafka Connect's ConfigInfos for a validation: every definition with its
// value and errors, plus entries for keys no definition knows.
json::object configInfos(const loader::Registry& reg, const std::string& pluginName, const config::ConfigMap& cfg,
                         const config::ConfigMap& defaults) {
  auto v = config::validateConnector(reg, cfg.count("name") ? cfg.at("name") : "validate", cfg, true, defaults);
  // As Connect: a config to validate without a name has that error too.
  if (!cfg.count("name")) v.errors.push_back({"name", "Missing required configuration \"name\" which has no default value."});
  std::map<std::string, std::vector<std::string>> errorsByKey;
  for (const auto& e : v.errors) errorsByKey[e.key].push_back(e.message);
  json::array configs;
  std::set<std::string> seen;
  std::vector<std::string> groups;
  auto add = [&](const config::OptionDef& d, const std::string& key, const std::string& group, int order) {
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    config::OptionDef full = d;
    full.name = key;
    json::array errs;
    for (const auto& m : errorsByKey[key]) errs.push_back(json::string(m));
    json::value value = nullptr;
    if (auto it = cfg.find(key); it != cfg.end()) value = json::string(config::shownValue(d, it->second));
    else if (d.defaultValue) value = json::string(*d.defaultValue);
    configs.push_back(json::object{{"definition", definitionJson(full, group, order)},
                                   {"value", json::object{{"name", key}, {"value", value},
                                                          {"recommended_values", json::array()},
                                                          {"errors", std::move(errs)}, {"visible", true}}}});
    seen.insert(key);
  };
  int order = 0;
  for (const auto& d : config::hostConnectorOptions()) add(d, d.name, "Common", order++);
  if (v.plan.plugin)
    for (const auto& d : v.plan.plugin->options) add(d, d.name, v.plan.plugin->name, order++);
  for (const auto& t : v.plan.transforms)
    if (t.plugin)
      for (const auto& d : t.plugin->options) add(d, "transforms." + t.alias + "." + d.name, "Transforms: " + t.alias, order++);
  for (const auto& p : v.plan.predicates)
    if (p.plugin)
      for (const auto& d : p.plugin->options) add(d, "predicates." + p.alias + "." + d.name, "Predicates: " + p.alias, order++);
  // Keys no table defines each get an entry with their error, up to a
  // bound: a body of 50,000 made-up keys must not become an answer 20 times
  // its size. The rest are counted in one more entry (error_count has all).
  constexpr size_t kUnknownListed = 100;
  size_t unknown = 0;
  std::string firstUnlisted;
  for (const auto& [key, msgs] : errorsByKey) {
    if (seen.count(key)) continue;
    if (++unknown > kUnknownListed) {
      if (firstUnlisted.empty()) firstUnlisted = key;
      continue;
    }
    config::OptionDef d;
    d.name = key;
    add(d, key, "Unknown", -1);
  }
  if (unknown > kUnknownListed) {
    config::OptionDef d;
    d.name = firstUnlisted;
    errorsByKey[firstUnlisted] = {"this key and " + std::to_string(unknown - kUnknownListed - 1) +
                                  " more (in key order) have errors too; only the first " + std::to_string(kUnknownListed) +
                                  " keys with errors outside the option tables are listed"};
    seen.erase(firstUnlisted);
    add(d, firstUnlisted, "Unknown", -1);
  }
  return json::object{{"name", pluginName}, {"error_count", static_cast<int64_t>(v.errors.size())},
                      {"groups", json::value_from(groups)}, {"configs", std::move(configs)}};
}

// KIP-875 offset entries: [{"partition": {...}, "offset": {...} | null}].
std::optional<std::vector<runtime::Worker::OffsetEntry>> offsetEntries(const json::value& v, Response* err) {
  if (!v.is_array()) {
    *err = error(400, "\"offsets\" must be an array of {\"partition\": ..., \"offset\": ...} objects");
    return std::nullopt;
  }
  std::vector<runtime::Worker::OffsetEntry> out;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const auto& e = v.as_array()[i];
    const json::value* p = e.is_object() ? e.as_object().if_contains("partition") : nullptr;
    const json::value* o = e.is_object() ? e.as_object().if_contains("offset") : nullptr;
    if (!p || !o || e.as_object().size() != 2) {
      *err = error(400, "offsets[" + std::to_string(i) + "] must be an object with exactly \"partition\" and \"offset\"");
      return std::nullopt;
    }
    out.push_back({json::serialize(*p), json::serialize(*o)});
  }
  return out;
}

// When each logger's level was last set through PUT /admin/loggers.
class LoggerTimes {
 public:
  json::value get(const std::string& logger) const {
    std::lock_guard lk(mu_);
    auto it = ms_.find(logger);
    return it == ms_.end() ? json::value(nullptr) : json::value(it->second);
  }
  void set(const json::array& loggers) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard lk(mu_);
    for (const auto& n : loggers) ms_[std::string(n.as_string())] = now;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> ms_;
};
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
bool boolQuery(const Request& req, const std::string& key, bool* out, Response* err, bool def = false) {
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

}  // namespace

void registerApi(Router& r, ApiContext c) {
  auto* w = c.worker;
  auto ok = [](int status, const json::value& v) { return jsonResponse(status, json::serialize(v)); };

  r.add("GET", "/", [c, ok](const Request&) {
    return ok(200, json::object{{"version", c.version}, {"commit", c.commit}, {"kafka_cluster_id", c.clusterId ? c.clusterId() : ""}});
  });

  // KIP-1017: 503 while the worker is starting, 200 once it serves requests.
  r.add("GET", "/health", [c, ok](const Request&) {
    if (c.started && !c.started->load())
      return ok(503, json::object{{"status", "starting"}, {"message", "Worker is still starting up."}});
    return ok(200, json::object{{"status", "healthy"}, {"message", "Worker has completed startup and is ready to handle requests."}});
  });

  // Readiness (Kubernetes readinessProbe): 200 once the worker has started
  // every stored connector and those given on the command line, 503 before
  // that and again once it is shutting down.
  r.add("GET", "/ready", [c, ok](const Request&) {
    if (c.started && !c.started->load())
      return ok(503, json::object{{"status", "starting"}, {"message", "Worker is still starting its connectors."}});
    if (c.stopping && c.stopping->load())
      return ok(503, json::object{{"status", "stopping"}, {"message", "Worker is shutting down."}});
    return ok(200, json::object{{"status", "ready"}, {"message", "Worker has started its connectors."}});
  });

  r.add("GET", "/metrics", [c](const Request&) {
    Response resp;
    resp.contentType = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = c.metrics->serialize();
    return resp;
  });

  r.add("GET", "/openapi.yaml", [](const Request&) {
    Response resp;
    resp.contentType = "application/yaml";
    resp.body = std::string(openApiYaml());
    return resp;
  });

  r.add("GET", "/connector-plugins", [c, ok](const Request& req) {
    bool only = true;
    Response err;
    if (!boolQuery(req, "connectorsOnly", &only, &err, true)) return err;
    json::array out;
    for (const auto& p : c.registry->plugins()) {
      bool connector = p->kind == SLUICE_KIND_SOURCE || p->kind == SLUICE_KIND_SINK;
      if (only && !connector) continue;
      const char* type = p->kind == SLUICE_KIND_TRANSFORM ? "transformation" : loader::kindName(p->kind);
      out.push_back(json::object{{"class", p->name}, {"type", type}, {"version", p->version}});
    }
    return ok(200, out);
  });

  r.add("GET", "/connector-plugins/{plugin}/config", [c, ok](const Request& req) {
    const loader::Plugin* p = c.registry->find(req.params.at("plugin"));
    if (!p) {
      sluice_variant v;
      p = c.registry->findTransform(req.params.at("plugin"), &v);
    }
    if (!p) return error(404, "Unknown plugin " + req.params.at("plugin"));
    json::array out;
    int order = 0;
    // A connector's list starts, as Connect's, with the options every
    // connector of its kind takes, so a form built from it is complete.
    bool sink = p->kind == SLUICE_KIND_SINK, source = p->kind == SLUICE_KIND_SOURCE;
    if (sink || source)
      for (const auto& d : config::hostConnectorOptions())
        if (!(source && d.doc.starts_with("Sinks:")) && !(sink && d.doc.starts_with("Sources:")))
          out.push_back(definitionJson(d, "Common", order++));
    order = 0;
    for (const auto& d : p->options) out.push_back(definitionJson(d, p->name, order++));
    return ok(200, out);
  });

  r.add("PUT", "/connector-plugins/{plugin}/config/validate", [c, ok](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto m = configMap(*body, &err);
    if (!m) return err;
    const std::string& plugin = req.params.at("plugin");
    if (!m->count("connector.class")) (*m)["connector.class"] = plugin;
    const loader::Plugin* p = c.registry->find((*m)["connector.class"]);
    if (!p || (p->kind != SLUICE_KIND_SOURCE && p->kind != SLUICE_KIND_SINK))
      return error(400, "Failed to find any class that implements Connector and which name matches " + (*m)["connector.class"]);
    // Connect names the result after connector.class as given (an alias stays an alias).
    return ok(200, configInfos(*c.registry, (*m)["connector.class"], *m, c.worker->connectorDefaults()));
  });

  const loader::Registry* reg = c.registry;
  r.add("GET", "/connectors", [w, ok, reg](const Request& req) {
    auto names = w->names();
    bool expandStatus = false, expandInfo = false;
    auto range = req.query.equal_range("expand");
    for (auto it = range.first; it != range.second; ++it) {
      expandStatus = expandStatus || it->second == "status";
      expandInfo = expandInfo || it->second == "info";
    }
    // As Connect: any expand, even one it does not know, gives the map form.
    if (range.first == range.second) {
      json::array a;
      for (auto& n : names) a.push_back(json::string(n));
      return ok(200, a);
    }
    json::object out;
    for (auto& n : names) {
      json::object entry;
      if (expandStatus)
        if (auto s = w->status(n)) entry["status"] = statusJson(*s, w->workerId(), pluginVersion(*reg, w, n));
      if (expandInfo)
        if (auto i = w->info(n)) entry["info"] = infoJson(*reg, *i);
      out[n] = std::move(entry);
    }
    return ok(200, out);
  });

  r.add("POST", "/connectors", [w, ok, reg](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto* name = body->if_contains("name");
    if (!name || !name->is_string() || name->as_string().empty())
      return error(400, "Connector name must be a non-empty string (field 'name')");
    auto* cfg = body->if_contains("config");
    if (!cfg || !cfg->is_object()) return error(400, "Connector config must be a JSON object (field 'config')");
    auto m = configMap(cfg->as_object(), &err);
    if (!m) return err;
    std::string n(name->as_string());
    if (auto bad = badName(n)) return *bad;
    if (auto it = m->find("name"); it != m->end() && it->second != n)
      return error(400, "Connector name configuration (" + it->second + ") doesn't match connector name in the URL (" + n + ")");
    std::string initial = "RUNNING";
    if (auto* st = body->if_contains("initial_state")) {
      if (!st->is_string()) return error(400, "initial_state must be a string");
      initial = std::string(st->as_string());
    }
    for (const auto& kv : *body) {
      if (kv.key() != "name" && kv.key() != "config" && kv.key() != "initial_state")
        return error(400, "Unrecognized field '" + std::string(kv.key()) + "' in request body");
    }
    auto res = w->create(n, *m, initial);
    if (!res) return fromStatus(res.status());
    Response resp = ok(201, infoJson(*reg, *res));
    resp.headers["Location"] = "/connectors/" + urlEncodeSegment(n);
    return resp;
  });

  r.add("GET", "/connectors/{name}", [w, ok, reg](const Request& req) {
    auto res = w->info(req.params.at("name"));
    if (!res) return fromStatus(res.status());
    return ok(200, infoJson(*reg, *res));
  });

  r.add("GET", "/connectors/{name}/config", [w, ok, reg](const Request& req) {
    auto res = w->configOf(req.params.at("name"));
    if (!res) return fromStatus(res.status());
    return ok(200, configJson(*reg, *res));
  });

  r.add("PUT", "/connectors/{name}/config", [w, ok, reg](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto m = configMap(*body, &err);
    if (!m) return err;
    const std::string& n = req.params.at("name");
    if (auto bad = badName(n)) return *bad;
    if (auto it = m->find("name"); it != m->end() && it->second != n)
      return error(400, "Connector name configuration (" + it->second + ") doesn't match connector name in the URL (" + n + ")");
    keepHiddenSecrets(*reg, w, n, &*m);
    bool created = false;
    auto res = w->put(n, *m, &created);
    if (!res) return fromStatus(res.status());
    return ok(created ? 201 : 200, infoJson(*reg, *res));
  });

  // PATCH merges into the stored config; a null value removes the key.
  r.add("PATCH", "/connectors/{name}/config", [w, ok, reg](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    const std::string& n = req.params.at("name");
    auto current = w->configOf(n);
    if (!current) return fromStatus(current.status());
    config::ConfigMap merged = *current;
    for (const auto& kv : *body) {
      std::string key(kv.key());
      if (kv.value().is_null()) {
        merged.erase(key);
        continue;
      }
      auto v = jsonutil::configString(kv.value());
      if (!v) return error(400, "Config value of '" + key + "' must be a string, number, boolean or null");
      merged[key] = *v;
    }
    if (auto it = merged.find("name"); it != merged.end() && it->second != n)
      return error(400, "Connector name configuration (" + it->second + ") doesn't match connector name in the URL (" + n + ")");
    keepHiddenSecrets(*reg, w, n, &merged);
    bool created = false;
    auto res = w->put(n, merged, &created);
    if (!res) return fromStatus(res.status());
    return ok(200, infoJson(*reg, *res));
  });

  r.add("GET", "/connectors/{name}/topics", [w, ok](const Request& req) {
    const std::string& n = req.params.at("name");
    auto t = w->activeTopics(n);
    if (!t) return fromStatus(t.status());
    return ok(200, json::object{{n, json::object{{"topics", json::value_from(*t)}}}});
  });
  r.add("PUT", "/connectors/{name}/topics/reset", [w](const Request& req) {
    if (auto s = w->resetActiveTopics(req.params.at("name")); !s) return fromStatus(s);
    return noBody(202);
  });

  r.add("GET", "/connectors/{name}/offsets", [w, ok](const Request& req) {
    auto offs = w->offsets(req.params.at("name"));
    if (!offs) return fromStatus(offs.status());
    json::array out;
    for (const auto& e : *offs)
      out.push_back(json::object{{"partition", json::parse(e.partition)}, {"offset", json::parse(e.offset)}});
    return ok(200, json::object{{"offsets", std::move(out)}});
  });

  // KIP-875: alter and reset offsets of a STOPPED connector.
  r.add("PATCH", "/connectors/{name}/offsets", [w, ok](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto* list = body->if_contains("offsets");
    if (!list) return error(400, "Request body must have an \"offsets\" field");
    auto entries = offsetEntries(*list, &err);
    if (!entries) return err;
    // As Connect: an empty list is a client error, checked before the connector.
    if (entries->empty()) return error(400, "Partitions / offsets need to be provided for an alter offsets request");
    if (auto s = w->alterOffsets(req.params.at("name"), *entries); !s) return fromStatus(s);
    return ok(200, json::object{{"message", "The offsets for this connector have been altered successfully"}});
  });
  r.add("DELETE", "/connectors/{name}/offsets", [w, ok](const Request& req) {
    if (auto s = w->resetOffsets(req.params.at("name")); !s) return fromStatus(s);
    return ok(200, json::object{{"message", "The offsets for this connector have been reset successfully"}});
  });

  r.add("GET", "/connectors/{name}/checkpoints", [w, ok](const Request& req) {
    auto history = w->checkpoints(req.params.at("name"));
    if (!history) return fromStatus(history.status());
    json::array out;
    for (const auto& ck : *history) {
      boost::system::error_code ec;
      json::value offs = json::parse(ck.offsetsJson, ec);
      out.push_back(json::object{{"id", ck.id},
                                 {"task", ck.task},
                                 {"time_ms", ck.timeMs},
                                 {"watermark_ms", ck.watermarkMs == INT64_MIN ? json::value(nullptr) : json::value(ck.watermarkMs)},
                                 {"origin", ck.origin},
                                 {"state_keys", ck.stateKeys},
                                 {"bytes", ck.bytes},
                                 {"offsets", ec ? json::value(json::array()) : offs}});
    }
    return ok(200, json::object{{"checkpoints", std::move(out)}});
  });

  r.add("POST", "/connectors/{name}/replay", [w, ok](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    runtime::Worker::ReplayTarget t;
    for (const auto& kv : *body) {
      const auto& v = kv.value();
      if (kv.key() == "checkpoint") {
        if (!v.is_int64() || v.as_int64() <= 0) return error(400, "\"checkpoint\" must be a positive integer id");
        t.checkpoint = static_cast<uint64_t>(v.as_int64());
      } else if (kv.key() == "timestamp_ms") {
        if (!v.is_int64() || v.as_int64() < 0) return error(400, "\"timestamp_ms\" must be a non-negative integer");
        t.timestampMs = v.as_int64();
      } else if (kv.key() == "offsets") {
        auto entries = offsetEntries(v, &err);
        if (!entries) return err;
        t.offsets = std::move(*entries);
      } else if (kv.key() == "keep_state") {
        if (!v.is_bool()) return error(400, "\"keep_state\" must be true or false");
        t.keepState = v.as_bool();
      } else {
        return error(400, "Unrecognized field '" + std::string(kv.key()) + "' in request body");
      }
    }
    auto res = w->replay(req.params.at("name"), t);
    if (!res) return fromStatus(res.status());
    json::array offs;
    for (const auto& e : res->offsets)
      offs.push_back(json::object{{"partition", json::parse(e.partition)}, {"offset", json::parse(e.offset)}});
    return ok(202, json::object{{"name", req.params.at("name")},
                                {"checkpoint", res->checkpoint ? json::value(*res->checkpoint) : json::value(nullptr)},
                                {"state", res->state},
                                {"offsets", std::move(offs)}});
  });

  // The dead letters of a connector: what is pending, and their replay.
  auto dlqJson = [](const std::string& name, const runtime::DlqReplayReport& rep, bool replayed) {
    json::array parts;
    for (const auto& p : rep.partitions)
      parts.push_back(json::object{{"partition", p.partition}, {"position", p.position}, {"end", p.end}, {"retrying", p.retrying}});
    json::object o{{"name", name}, {"topic", rep.topic}, {"group", rep.group}};
    if (replayed) {
      o["replayed"] = rep.replayed;
      o["succeeded"] = rep.succeeded;
      o["failed"] = rep.failed;
    }
    o["remaining"] = rep.remaining;
    o["retrying"] = rep.retrying;
    o["partitions"] = std::move(parts);
    return o;
  };
  r.add("GET", "/connectors/{name}/dlq", [w, ok, dlqJson](const Request& req) {
    runtime::DlqReplayOptions o;
    o.dryRun = true;
    auto rep = w->replayDeadLetters(req.params.at("name"), o);
    if (!rep) return fromStatus(rep.status());
    return ok(200, dlqJson(req.params.at("name"), *rep, false));
  });
  r.add("POST", "/connectors/{name}/dlq/replay", [w, ok, dlqJson](const Request& req) {
    runtime::DlqReplayOptions o;
    if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      Response err;
      auto body = parseObject(req, &err);
      if (!body) return err;
      for (const auto& kv : *body) {
        const auto& v = kv.value();
        if (kv.key() == "max_records") {
          if (!v.is_int64() || v.as_int64() <= 0) return error(400, "\"max_records\" must be a positive integer");
          o.maxRecords = v.as_int64();
        } else if (kv.key() == "timeout_ms") {
          if (!v.is_int64() || v.as_int64() <= 0 || v.as_int64() > 3600000)
            return error(400, "\"timeout_ms\" must be an integer from 1 to 3600000");
          o.timeoutMs = v.as_int64();
        } else {
          return error(400, "Unrecognized field '" + std::string(kv.key()) + "' in request body");
        }
      }
    }
    auto rep = w->replayDeadLetters(req.params.at("name"), o);
    if (!rep) return fromStatus(rep.status());
    return ok(200, dlqJson(req.params.at("name"), *rep, true));
  });

  r.add("POST", "/admin/savepoints", [w, ok](const Request&) {
    auto sp = w->savepoint();
    if (!sp) return fromStatus(sp.status());
    return ok(201, json::object{{"id", sp->id}, {"path", sp->path}});
  });

  // Connect (KIP-976) reports when each logger's level was last set over
  // REST ("last_modified", epoch ms, null when never).
  auto modified = std::make_shared<LoggerTimes>();
  r.add("GET", "/admin/loggers", [ok, modified](const Request&) {
    json::object out;
    for (const auto& [name, level] : log::levels())
      out[name] = json::object{{"level", log::levelName(level)}, {"last_modified", modified->get(name)}};
    return ok(200, out);
  });
  r.add("GET", "/admin/loggers/{logger}", [ok, modified](const Request& req) {
    const std::string& name = req.params.at("logger");
    return ok(200, json::object{{"level", log::levelName(log::levelOf(name))}, {"last_modified", modified->get(name)}});
  });
  r.add("PUT", "/admin/loggers/{logger}", [ok, modified](const Request& req) {
    Response err;
    auto body = parseObject(req, &err);
    if (!body) return err;
    auto* lv = body->if_contains("level");
    log::Level level;
    if (!lv || !lv->is_string() || !log::parseLevel(lv->as_string(), &level))
      return error(400, "Body must be {\"level\": TRACE|DEBUG|INFO|WARN|ERROR|OFF}");
    const std::string& name = req.params.at("logger");
    log::setLevel(name, level);
    json::array affected;
    for (const auto& [n, l] : log::levels())
      if (n == name || n.starts_with(name + ".") || name == "root") affected.push_back(json::string(n));
    modified->set(affected);
    return ok(200, affected);
  });

  r.add("DELETE", "/connectors/{name}", [w](const Request& req) {
    if (auto s = w->remove(req.params.at("name")); !s) return fromStatus(s);
    return noBody(204);
  });

  r.add("GET", "/connectors/{name}/status", [w, ok, reg](const Request& req) {
    auto res = w->status(req.params.at("name"));
    if (!res) return fromStatus(res.status());
    return ok(200, statusJson(*res, w->workerId(), pluginVersion(*reg, w, req.params.at("name"))));
  });

  r.add("GET", "/connectors/{name}/tasks", [w, ok, reg](const Request& req) {
    auto res = w->info(req.params.at("name"));
    if (!res) return fromStatus(res.status());
    json::array out;
    for (int t = 0; t < res->taskCount; ++t)
      out.push_back(json::object{{"id", json::object{{"connector", res->name}, {"task", t}}}, {"config", configJson(*reg, res->config)}});
    return ok(200, out);
  });

  r.add("GET", "/connectors/{name}/tasks/{task}/status", [w, ok, reg](const Request& req) {
    auto res = w->status(req.params.at("name"));
    if (!res) return fromStatus(res.status());
    for (const auto& t : res->tasks) {
      if (std::to_string(t.id) != req.params.at("task")) continue;
      return ok(200, taskStatusJson(t, w->workerId(), pluginVersion(*reg, w, req.params.at("name"))));
    }
    return error(404, "No status found for task " + req.params.at("name") + "-" + req.params.at("task"));
  });

  r.add("PUT", "/connectors/{name}/pause", [w](const Request& req) {
    if (auto s = w->pause(req.params.at("name")); !s) return fromStatus(s);
    return noBody(202);
  });
  r.add("PUT", "/connectors/{name}/resume", [w](const Request& req) {
    if (auto s = w->resume(req.params.at("name")); !s) return fromStatus(s);
    return noBody(202);
  });
  r.add("PUT", "/connectors/{name}/stop", [w](const Request& req) {
    if (auto s = w->stopConnector(req.params.at("name")); !s) return fromStatus(s);
    return noBody(204);
  });

  r.add("POST", "/connectors/{name}/restart", [w, ok, reg](const Request& req) {
    Response err;
    bool includeTasks = false, onlyFailed = false;
    if (!boolQuery(req, "includeTasks", &includeTasks, &err)) return err;
    if (!boolQuery(req, "onlyFailed", &onlyFailed, &err)) return err;
    const std::string& n = req.params.at("name");
    auto before = w->status(n);
    if (auto s = w->restart(n, includeTasks, onlyFailed); !s) return fromStatus(s);
    if (!includeTasks && !onlyFailed) return noBody(204);
    if (!before) return fromStatus(before.status());
    // Connect (KIP-745) answers with the restart plan: the connector and tasks
    // being restarted show RESTARTING, the others their state before. A failed
    // connector is restarted with all its tasks (Worker::restart).
    runtime::ConnectorStatus plan = *before;
    const bool connectorFailed = plan.state == "FAILED";
    if (!onlyFailed || connectorFailed) {
      plan.state = "RESTARTING";
      plan.trace.clear();
    }
    for (auto& t : plan.tasks) {
      if (connectorFailed || (includeTasks && (!onlyFailed || t.state == "FAILED"))) {
        t.state = "RESTARTING";
        t.trace.clear();
      }
    }
    return ok(202, statusJson(plan, w->workerId(), pluginVersion(*reg, w, n)));
  });

  r.add("POST", "/connectors/{name}/tasks/{task}/restart", [w](const Request& req) {
    const std::string& id = req.params.at("task");
    int task = -1;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), task);
    if (ec != std::errc() || end != id.data() + id.size() || task < 0)  // "1abc" is no task 1
      return error(404, "Task " + req.params.at("name") + "-" + id + " not found");
    if (auto s = w->restartTask(req.params.at("name"), task); !s) return fromStatus(s);
    return noBody(204);
  });
}

}  // namespace sluice::rest

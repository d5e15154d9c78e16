// Connectors: create, list, read, configure, status, tasks, pause, resume, stop, restart, delete, active topics.
#include "host/rest/api_util.h"

#include <charconv>

#include "host/common/json_util.h"

namespace sluice::rest {
namespace json = boost::json;

void registerConnectorRoutes(Router& r, const ApiContext& c) {
  auto* w = c.worker;
  const loader::Registry* reg = c.registry;
  auto ok = okJson;

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

  // Routes that change one connector and answer with no body.
  auto change = [&r, w](const char* method, const char* path, Status (runtime::Herder::*op)(const std::string&), int code) {
    r.add(method, path, [w, op, code](const Request& req) {
      if (auto s = (w->*op)(req.params.at("name")); !s) return fromStatus(s);
      return noBody(code);
    });
  };
  change("PUT", "/connectors/{name}/topics/reset", &runtime::Herder::resetActiveTopics, 202);
  change("DELETE", "/connectors/{name}", &runtime::Herder::remove, 204);
  change("PUT", "/connectors/{name}/pause", &runtime::Herder::pause, 202);
  change("PUT", "/connectors/{name}/resume", &runtime::Herder::resume, 202);
  change("PUT", "/connectors/{name}/stop", &runtime::Herder::stopConnector, 204);

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
    // connector is restarted with all its tasks (Herder::restart).
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

// Connector plugins: the list, their config definitions, validation.
#include "host/rest/api_util.h"

#include <algorithm>
#include <set>

namespace sluice::rest {
namespace json = boost::json;
namespace {

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

}  // namespace

void registerPluginRoutes(Router& r, const ApiContext& c) {
  auto ok = okJson;

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
}

}  // namespace sluice::rest

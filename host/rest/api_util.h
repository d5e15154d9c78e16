#pragma once
// What the REST resources (routes_*.cc) share: Kafka Connect's JSON shapes of
// connector info, configs and statuses, request body parsing, and the
// registration of each resource's routes (api.cc calls them).

#include <boost/json.hpp>

#include <optional>
#include <string>

#include "host/config/connector_config.h"
#include "host/rest/api.h"

namespace sluice::rest {

/// A JSON answer.
inline Response okJson(int status, const boost::json::value& v) { return jsonResponse(status, boost::json::serialize(v)); }
/// A Status as Connect's error answer (404, 409, 400, 500).
Response fromStatus(const Status& s);
/// A config as the API echoes it: secrets shown as "[hidden]".
boost::json::object configJson(const loader::Registry& reg, const config::ConfigMap& m);
boost::json::object infoJson(const loader::Registry& reg, const runtime::ConnectorInfo& i);
/// A secret sent back as "[hidden]" keeps the value stored for it.
void keepHiddenSecrets(const loader::Registry& reg, runtime::Herder* w, const std::string& name, config::ConfigMap* m);
/// The version of the plugin a connector runs ("" when not loaded).
std::string pluginVersion(const loader::Registry& reg, runtime::Herder* w, const std::string& name);
boost::json::object taskStatusJson(const runtime::TaskStatus& t, const std::string& workerId, const std::string& version);
boost::json::object statusJson(const runtime::ConnectorStatus& s, const std::string& workerId, const std::string& version);
/// A JSON body that must be an object; nullopt and the answer in *err otherwise.
std::optional<boost::json::object> parseObject(const Request& req, Response* err);
/// A Connect config map: every value a string (numbers and booleans as their text).
std::optional<config::ConfigMap> configMap(const boost::json::object& o, Response* err);
/// An answer when a connector name has ISO control characters.
std::optional<Response> badName(const std::string& name);
/// A boolean query parameter, read as Connect reads it (any case; absent or
/// empty is `def`); false and the answer in *err for anything else.
bool boolQuery(const Request& req, const std::string& key, bool* out, Response* err, bool def = false);

// The resources, one file each.
void registerHealthRoutes(Router& r, const ApiContext& c);     // /, /health, /ready, /metrics, /openapi.yaml
void registerPluginRoutes(Router& r, const ApiContext& c);     // /connector-plugins...
void registerConnectorRoutes(Router& r, const ApiContext& c);  // /connectors, configs, status, tasks, lifecycle, topics
void registerOffsetRoutes(Router& r, const ApiContext& c);     // offsets, checkpoints, replay, dead letters
void registerAdminRoutes(Router& r, const ApiContext& c);      // /admin/loggers, /admin/savepoints

}  // namespace sluice::rest

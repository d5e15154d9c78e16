// Health, readiness, metrics and the API's own description.
#include "host/rest/api_util.h"

#include "host/rest/openapi.h"

namespace sluice::rest {
namespace json = boost::json;

void registerHealthRoutes(Router& r, const ApiContext& c) {
  auto ok = okJson;

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
}

}  // namespace sluice::rest

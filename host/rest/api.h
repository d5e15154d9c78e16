#pragma once
// Kafka Connect's REST API (the subset of issue #2 plus /metrics and health),
// same paths, bodies, status codes and error body, and Sluice's extensions.
// docs/openapi.yaml documents every route (served at GET /openapi.yaml).

#include <atomic>
#include <functional>
#include <string>

#include "host/loader/registry.h"
#include "host/metrics/metrics.h"
#include "host/rest/http.h"
#include "host/worker/herder.h"

namespace sluice::rest {

struct ApiContext {
  runtime::Herder* worker = nullptr;
  const loader::Registry* registry = nullptr;
  metrics::Metrics* metrics = nullptr;
  std::function<std::string()> clusterId;
  std::string version;
  std::string commit;
  /// False while the worker is starting (GET /health answers 503); null = started.
  const std::atomic<bool>* started = nullptr;
  /// True once the worker is shutting down (GET /ready answers 503); null = never.
  const std::atomic<bool>* stopping = nullptr;
};

void registerApi(Router& router, ApiContext ctx);

}  // namespace sluice::rest

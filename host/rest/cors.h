#pragma once
// Cross-origin requests (Kafka Connect's access.control.allow.origin and
// access.control.allow.methods): off unless an origin is configured.

#include <optional>
#include <string>
#include <vector>

#include "host/config/worker_config.h"
#include "host/rest/http.h"

namespace sluice::rest {

class Cors {
 public:
  explicit Cors(const config::RestConfig& cfg);

  bool enabled() const { return !origins_.empty(); }

  /// The answer to a CORS preflight (OPTIONS with Origin and
  /// Access-Control-Request-Method): 204 with the allow headers, or 403 for an
  /// origin or method not allowed. nullopt for any other request.
  std::optional<Response> preflight(const Request& req) const;

  /// Let the browser read `resp` when the request's Origin is allowed.
  void decorate(const Request& req, Response* resp) const;

 private:
  /// The Access-Control-Allow-Origin value for `origin`, or empty.
  std::string allowOrigin(const std::string& origin) const;

  std::vector<std::string> origins_;
  std::vector<std::string> methods_;
};

}  // namespace sluice::rest

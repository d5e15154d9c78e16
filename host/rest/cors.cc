#include "host/rest/cors.h"

#include <algorithm>

namespace sluice::rest {
namespace {
// Headers a browser may send cross-origin: JSON bodies and credentials.
constexpr const char* kAllowHeaders = "Authorization, Content-Type, Accept, Origin, X-Requested-With";
}  // namespace

Cors::Cors(const config::RestConfig& cfg) : origins_(cfg.corsAllowOrigins), methods_(cfg.corsAllowMethods) {}

std::string Cors::allowOrigin(const std::string& origin) const {
  if (origin.empty()) return "";
  if (std::find(origins_.begin(), origins_.end(), "*") != origins_.end()) return "*";
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end() ? origin : "";
}

std::optional<Response> Cors::preflight(const Request& req) const {
  if (!enabled() || req.method != "OPTIONS" || req.header("origin").empty() ||
      req.header("access-control-request-method").empty())
    return std::nullopt;
  const std::string origin = req.header("origin");
  const std::string method = req.header("access-control-request-method");
  std::string allowed = allowOrigin(origin);
  if (allowed.empty()) return error(403, "Cross-origin requests from " + origin + " are not allowed");
  if (std::find(methods_.begin(), methods_.end(), method) == methods_.end())
    return error(403, "Cross-origin " + method + " requests are not allowed");
  Response r = noBody(204);
  std::string methods;
  for (const auto& m : methods_) methods += (methods.empty() ? "" : ",") + m;
  r.headers["Access-Control-Allow-Origin"] = allowed;
  r.headers["Access-Control-Allow-Methods"] = methods;
  r.headers["Access-Control-Allow-Headers"] = kAllowHeaders;
  r.headers["Access-Control-Max-Age"] = "1800";
  if (allowed != "*") r.headers["Vary"] = "Origin";
  return r;
}

void Cors::decorate(const Request& req, Response* resp) const {
  if (!enabled()) return;
  std::string allowed = allowOrigin(req.header("origin"));
  if (allowed.empty()) return;
  resp->headers["Access-Control-Allow-Origin"] = allowed;
  resp->headers["Access-Control-Expose-Headers"] = "Location, WWW-Authenticate";
  if (allowed != "*") resp->headers["Vary"] = "Origin";
}

}  // namespace sluice::rest

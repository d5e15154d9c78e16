#pragma once
// A small HTTP layer over civetweb: requests and responses as values, and a
// router with {param} path segments. Handlers never see civetweb types, so
// they are testable without a socket.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/config/worker_config.h"

struct mg_context;
struct mg_connection;

namespace sluice::rest {

struct Request {
  std::string method;
  std::string path;  // the segments joined by '/' (for messages and logs), without query
  /// The path's non-empty segments, each percent-decoded on its own (a %2F
  /// stays inside its segment; '+' is a plus). The router matches on these.
  std::vector<std::string> segments;
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern
  std::string body;
  std::string header(const std::string& name) const;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string remote;                          // client address, for logs

  /// Last value of a query parameter, or `def`.
  std::string queryValue(const std::string& key, const std::string& def = "") const;
};

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler h);
  /// 404 for an unknown path, 405 when the path exists for other methods.
  /// HEAD is answered by the GET route (the server sends no body).
  Response dispatch(Request& req) const;

  /// Every route as {method, pattern}, in the order added (for the test that
  /// checks docs/openapi.yaml documents them all).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

/// Kafka Connect's error body.
Response error(int status, const std::string& message);
Response jsonResponse(int status, const std::string& body);
/// A response with a status and no body (202, 204).
Response noBody(int status);

class Authenticator;
class Cors;

/// A civetweb server dispatching every path to a router, on `cfg.listeners`,
/// enforcing `cfg`'s TLS, authentication, CORS and request size limit.
class Server {
 public:
  Server(const Router& router, const config::RestConfig& cfg);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  bool started() const { return ctx_ != nullptr; }
  /// Why the server did not start, naming the worker config key when a key is at fault.
  const std::string& error() const { return error_; }
  /// The bound port of the first listener (useful with port 0).
  int port() const;
  /// The bound ports, in the order of cfg.listeners.
  std::vector<int> ports() const;

  /// Answer one request (civetweb's request handler).
  int handle(mg_connection* conn) const;

 private:
  const Router& router_;
  config::RestConfig cfg_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<Cors> cors_;
  mg_context* ctx_ = nullptr;
  std::string error_;
  std::string tlsError_;  // set by the TLS set-up callback
};

/// Decode %XX escapes; with `plusIsSpace` (query strings) '+' is a space.
std::string urlDecode(const std::string& s, bool plusIsSpace = true);
/// `s` with every byte but A-Z a-z 0-9 - . _ ~ percent-encoded: one path segment.
std::string urlEncodeSegment(const std::string& s);
/// Split a raw (still percent-encoded) path into decoded segments, skipping empty ones.
std::vector<std::string> pathSegments(const std::string& rawPath);
/// `s` with each byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string validUtf8(const std::string& s);

}  // namespace sluice::rest

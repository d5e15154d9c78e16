#pragma once
// A small HTTP layer over civetweb: requests and responses as values, and a
// router with {param} path segments. Handlers never see civetweb types, so
// they are testable without a socket.

#include <functional>
#include <map>
#include <string>
#include <vector>

struct mg_context;

namespace sluice::rest {

struct Request {
  std::string method;
  std::string path;  // decoded, without query
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from the route pattern
  std::string body;
  std::string header(const std::string& name) const;
  std::map<std::string, std::string> headers;  // lower-case names

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
  Response dispatch(Request& req) const;

 private:
  struct Route {
    std::string method;
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

/// A civetweb server dispatching every path to a router.
class Server {
 public:
  Server(const Router& router, const std::string& listenAddress);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  bool started() const { return ctx_ != nullptr; }
  const std::string& error() const { return error_; }
  /// The bound port (useful with port 0).
  int port() const;

 private:
  const Router& router_;
  mg_context* ctx_ = nullptr;
  std::string error_;
};

std::string urlDecode(const std::string& s);

}  // namespace sluice::rest

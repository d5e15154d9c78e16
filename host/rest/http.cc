#include "host/rest/http.h"

#include <civetweb.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "host/common/log.h"

namespace sluice::rest {
namespace {
const log::Tag kTag{"sluice.rest", "", -1};

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) break;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Unknown";
}

int handle(mg_connection* conn, void* cbdata) {
  const Router* router = static_cast<const Router*>(cbdata);
  const mg_request_info* ri = mg_get_request_info(conn);
  Request req;
  req.method = ri->request_method ? ri->request_method : "";
  req.path = urlDecode(ri->local_uri ? ri->local_uri : "/");
  if (ri->query_string) {
    std::string q = ri->query_string;
    size_t i = 0;
    while (i <= q.size()) {
      size_t amp = q.find('&', i);
      if (amp == std::string::npos) amp = q.size();
      std::string kv = q.substr(i, amp - i);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        req.query.emplace(urlDecode(kv.substr(0, eq)), eq == std::string::npos ? "" : urlDecode(kv.substr(eq + 1)));
      }
      i = amp + 1;
    }
  }
  for (int i = 0; i < ri->num_headers; ++i) {
    std::string name = ri->http_headers[i].name;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    req.headers[name] = ri->http_headers[i].value;
  }
  constexpr size_t kMaxBody = 16 * 1024 * 1024;
  char buf[8192];
  int n;
  while ((n = mg_read(conn, buf, sizeof buf)) > 0) {
    req.body.append(buf, static_cast<size_t>(n));
    if (req.body.size() > kMaxBody) break;
  }
  Response resp;
  if (req.body.size() > kMaxBody) {
    resp = error(413, "Request body larger than 16 MiB");
  } else {
    try {
      resp = router->dispatch(req);
    } catch (const std::exception& e) {
      SLUICE_LOG(kTag, log::Level::kError, "handler for " + req.method + " " + req.path + " threw: " + e.what());
      resp = error(500, e.what());
    }
  }
  std::string head = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
  if (resp.status != 204) {
    head += "Content-Type: " + resp.contentType + "\r\n";
    head += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
  }
  for (const auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  mg_write(conn, head.data(), head.size());
  if (resp.status != 204 && req.method != "HEAD") mg_write(conn, resp.body.data(), resp.body.size());
  SLUICE_LOG(kTag, log::Level::kDebug, req.method + " " + req.path + " -> " + std::to_string(resp.status));
  return static_cast<int>(resp.status);
}
}  // namespace

std::string urlDecode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string Request::queryValue(const std::string& key, const std::string& def) const {
  auto range = query.equal_range(key);
  std::string v = def;
  for (auto it = range.first; it != range.second; ++it) v = it->second;
  return v;
}

void Router::add(const std::string& method, const std::string& pattern, Handler h) {
  routes_.push_back(Route{method, split(pattern), std::move(h)});
}

Response Router::dispatch(Request& req) const {
  auto segs = split(req.path);
  bool pathMatched = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') params[p.substr(1, p.size() - 2)] = segs[i];
      else ok = p == segs[i];
    }
    if (!ok) continue;
    pathMatched = true;
    if (r.method != req.method) continue;
    req.params = std::move(params);
    return r.handler(req);
  }
  if (pathMatched) return error(405, "HTTP " + req.method + " is not supported for " + req.path);
  return error(404, "Unknown path " + req.path);
}

Response error(int status, const std::string& message) {
  boost::json::object o{{"error_code", status}, {"message", message}};
  return jsonResponse(status, boost::json::serialize(o));
}

Response noBody(int status) {
  Response r;
  r.status = status;
  return r;
}

Response jsonResponse(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.body = body;
  return r;
}

Server::Server(const Router& router, const std::string& listenAddress) : router_(router) {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
  std::string ports = listenAddress;
  const char* options[] = {"listening_ports", ports.c_str(), "num_threads", "8",
                           "request_timeout_ms", "30000", "enable_keep_alive", "yes", nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = [](const mg_connection*, const char* msg) -> int {
    SLUICE_LOG(kTag, log::Level::kWarn, std::string("civetweb: ") + msg);
    return 1;
  };
  ctx_ = mg_start(&callbacks, nullptr, options);
  if (!ctx_) {
    error_ = "cannot listen on " + listenAddress + " (address in use or invalid)";
    return;
  }
  mg_set_request_handler(ctx_, "/", handle, const_cast<Router*>(&router_));
}

Server::~Server() {
  if (ctx_) mg_stop(ctx_);
}

int Server::port() const {
  if (!ctx_) return 0;
  mg_server_port ports[4];
  int n = mg_get_server_ports(ctx_, 4, ports);
  return n > 0 ? ports[0].port : 0;
}

}  // namespace sluice::rest

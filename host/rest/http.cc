#include "host/rest/http.h"

#include <civetweb.h>
#include <malloc.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "host/common/log.h"
#include "host/rest/auth.h"
#include "host/rest/cors.h"
#include "host/rest/tls.h"

namespace sluice::rest {
namespace {
const log::Tag kTag{"sluice.rest", "", -1};
// civetweb's buffer for a request line and headers (its max_request_size).
// Large enough that a long URL reaches the router, which answers 414 (as
// Connect does) past kMaxUri.
constexpr size_t kMaxRequestHead = 128 * 1024;
constexpr size_t kMaxUri = 16 * 1024;
constexpr size_t kTrimAfterBytes = 256 * 1024;

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
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Unknown";
}

Request requestOf(const mg_request_info* ri) {
  Request req;
  req.method = ri->request_method ? ri->request_method : "";
  // The raw path (civetweb runs with decode_url=no): decoding it whole would
  // let "%2F" split a segment and "%00" cut the path short, and civetweb's
  // local_uri has its dot segments removed (/connectors/.. would be GET /).
  req.segments = pathSegments(ri->local_uri_raw ? ri->local_uri_raw : "/");
  for (const auto& seg : req.segments) req.path += "/" + seg;
  if (req.path.empty()) req.path = "/";
  req.remote = ri->remote_addr;
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
  return req;
}

enum class BodyRead { kWhole, kTooLarge, kIncomplete };

// Read the body, but never more than `limit` + 1 bytes. A body that stops
// short of its Content-Length (the client stalled past the request timeout,
// or hung up) or breaks off mid-chunk is incomplete: it must never reach a
// handler.
BodyRead readBody(mg_connection* conn, size_t limit, int64_t declared, std::string* body) {
  char buf[8192];
  while (body->size() <= limit) {
    size_t want = std::min(sizeof buf, limit + 1 - body->size());
    int n = mg_read(conn, buf, want);
    if (n < 0) return BodyRead::kIncomplete;
    if (n == 0) break;
    body->append(buf, static_cast<size_t>(n));
  }
  if (body->size() > limit) return BodyRead::kTooLarge;
  if (declared >= 0 && body->size() < static_cast<uint64_t>(declared)) return BodyRead::kIncomplete;
  return BodyRead::kWhole;
}

std::string civetwebPort(const config::Listener& l) {
  std::string host = l.host.find(':') != std::string::npos ? "[" + l.host + "]" : l.host;
  return (host.empty() ? "" : host + ":") + std::to_string(l.port) + (l.tls ? "s" : "");
}

void writeResponse(mg_connection* conn, const std::string& method, const Response& resp) {
  std::string head = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
  if (resp.status != 204) {
    head += "Content-Type: " + resp.contentType + "\r\n";
    head += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
  }
  for (const auto& [k, v] : resp.headers) {
    std::string value = v;  // a header value never ends the header (no response splitting)
    std::replace_if(value.begin(), value.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
    head += k + ": " + value + "\r\n";
  }
  head += "\r\n";
  mg_write(conn, head.data(), head.size());
  if (resp.status != 204 && method != "HEAD") mg_write(conn, resp.body.data(), resp.body.size());
}

// The media type of a Content-Type header, lower case, without parameters.
std::string mediaType(std::string ct) {
  ct = ct.substr(0, ct.find(';'));
  auto notSpace = [](unsigned char ch) { return !std::isspace(ch); };
  ct.erase(ct.begin(), std::find_if(ct.begin(), ct.end(), notSpace));
  ct.erase(std::find_if(ct.rbegin(), ct.rend(), notSpace).base(), ct.end());
  std::transform(ct.begin(), ct.end(), ct.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return ct;
}

int dispatchRequest(mg_connection* conn, void* cbdata) { return static_cast<const Server*>(cbdata)->handle(conn); }
}  // namespace

std::string urlDecode(const std::string& s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+' && plusIsSpace) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string urlEncodeSegment(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> pathSegments(const std::string& rawPath) {
  std::vector<std::string> out = split(rawPath);
  for (auto& seg : out) seg = urlDecode(seg, false);
  return out;
}

std::string validUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    // Length of the sequence and the smallest second byte allowed (no
    // overlong forms, no surrogates, nothing past U+10FFFF).
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? b >= lo && b <= hi : b >= 0x80 && b <= 0xBF;
    }
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
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
  routes_.push_back(Route{method, pattern, split(pattern), std::move(h)});
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

Response Router::dispatch(Request& req) const {
  const auto& segs = req.segments;
  // Names come from JSON bodies, which are UTF-8: a path that is not cannot
  // name anything (and must not become a connector or logger name).
  for (const auto& seg : segs)
    if (validUtf8(seg) != seg) return error(404, "Unknown path " + req.path);
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
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) continue;
    req.params = std::move(params);
    return r.handler(req);
  }
  if (pathMatched) return error(405, "HTTP " + req.method + " is not supported for " + req.path);
  return error(404, "Unknown path " + req.path);
}

Response error(int status, const std::string& message) {
  // Messages quote what the client sent (paths, query values): always valid JSON.
  boost::json::object o{{"error_code", status}, {"message", validUtf8(message)}};
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

Server::Server(const Router& router, const config::RestConfig& cfg)
    : router_(router), cfg_(cfg), auth_(std::make_unique<Authenticator>(cfg)), cors_(std::make_unique<Cors>(cfg)) {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
  std::string ports, urls;
  for (const auto& l : cfg_.listeners) {
    if (l.host.find(':') != std::string::npos && !mg_check_feature(MG_FEATURES_IPV6)) {
      error_ = "worker config 'listeners': " + l.url() + ": this civetweb was built without IPv6";
      return;
    }
    ports += (ports.empty() ? "" : ",") + civetwebPort(l);
    urls += (urls.empty() ? "" : ", ") + l.url();
  }
  if (cfg_.tlsEnabled()) {
    if (auto s = initTls(); !s) {
      error_ = "https listener: " + s.message();
      return;
    }
  }
  // decode_url=no: the router decodes each path segment itself (see requestOf).
  // civetweb answers CORS preflights itself unless its access_control_*
  // options are empty, and by default it allows every origin and method: a
  // page on any site could then make a browser send DELETE or PUT here. CORS
  // is ours (rest/cors.h), off unless configured.
  // Each connection holds one of num_threads while it is open (idle and
  // slow clients too), so there are many; request_timeout_ms cuts a client
  // that takes longer than that to send its request.
  std::string threads = std::to_string(cfg_.threads), timeout = std::to_string(cfg_.requestTimeoutMs);
  std::string queue = std::to_string(std::max<int64_t>(20, cfg_.threads));
  std::string headLimit = std::to_string(kMaxRequestHead);
  const char* options[] = {"listening_ports", ports.c_str(), "num_threads", threads.c_str(), "connection_queue", queue.c_str(),
                           "request_timeout_ms", timeout.c_str(), "keep_alive_timeout_ms", timeout.c_str(),
                           "max_request_size", headLimit.c_str(),
                           "enable_keep_alive", "yes", "decode_url", "no", "ssl_protocol_version", "4", "access_control_allow_origin", "",
                           "access_control_allow_methods", "", "access_control_allow_headers", "", nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = [](const mg_connection*, const char* msg) -> int {
    SLUICE_LOG(kTag, log::Level::kWarn, std::string("civetweb: ") + msg);
    return 1;
  };
  // Refusals civetweb makes itself (a malformed request, a header or URL
  // over its buffer, a method it does not know) get Connect's JSON error
  // body like every other error.
  callbacks.http_error = [](mg_connection* conn, int status, const char* msg) -> int {
    const mg_request_info* ri = mg_get_request_info(conn);
    std::string method = ri && ri->request_method ? ri->request_method : "";
    std::string text = msg && *msg ? msg : reason(status);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (status == 400 && (method == "TRACE" || method == "CONNECT")) {
      status = 405;
      text = "HTTP " + method + " is not supported";
    } else if (status == 413) {
      status = 431;
      text = "Request Header Fields Too Large: the request line and headers are larger than " +
             std::to_string(kMaxRequestHead / 1024) + " KiB";
    } else if (status == 400 && method.empty() && text == "Malformed message") {
      // What civetweb read ended before the request line and headers did:
      // the client stalled past the request timeout (or hung up), or sent
      // more than the buffer holds.
      status = 408;
      text = "Request Timeout: the request line and headers did not arrive in full within rest.request.timeout.ms "
             "(or exceed " + std::to_string(kMaxRequestHead / 1024) + " KiB)";
    }
    writeResponse(conn, method, rest::error(status, text));
    return 0;
  };
  callbacks.init_ssl = [](void* sslCtx, void* self) -> int {
    auto* server = static_cast<Server*>(self);
    Status s = loadCertificate(sslCtx, server->cfg_);
    if (s) return 1;  // certificate and key loaded: civetweb uses them as they are
    server->tlsError_ = s.message();
    return -1;
  };
  mg_init_data init{&callbacks, this, options};
  unsigned code = 0;
  char text[256] = "";
  mg_error_data err{&code, text, sizeof text};
  ctx_ = mg_start2(&init, &err);
  if (!ctx_) {
    error_ = !tlsError_.empty() ? tlsError_ : "worker config 'listeners': cannot listen on " + urls + ": " + (text[0] ? text : "address in use or invalid");
    return;
  }
  mg_set_request_handler(ctx_, "/", dispatchRequest, this);
}

Server::~Server() {
  if (ctx_) mg_stop(ctx_);
}

int Server::handle(mg_connection* conn) const {
  Request req = requestOf(mg_get_request_info(conn));
  const int64_t declared = mg_get_request_info(conn)->content_length;  // -1: not given
  const bool hasBody = declared > 0 || (declared < 0 && !req.header("transfer-encoding").empty());
  const auto limit = static_cast<size_t>(cfg_.maxRequestBytes);
  bool bodyRead = false;
  std::string who;
  Response resp;
  // Preflights and refusals are decided on the headers alone: the body of a
  // request that is refused is never read.
  const mg_request_info* ri = mg_get_request_info(conn);
  size_t uriBytes = std::strlen(ri->local_uri_raw ? ri->local_uri_raw : "") + std::strlen(ri->query_string ? ri->query_string : "");
  if (uriBytes > kMaxUri) {
    resp = rest::error(414, "URI Too Long: the URI is " + std::to_string(uriBytes) + " bytes, over " + std::to_string(kMaxUri / 1024) + " KiB");
  } else if (auto preflight = cors_->preflight(req)) {
    resp = std::move(*preflight);
  } else if (auto refused = auth_->check(req, &who)) {
    resp = std::move(*refused);
  } else if (hasBody && req.method != "GET" && req.method != "HEAD" && mediaType(req.header("content-type")) != "application/json") {
    // As Connect: a body is JSON or nothing. This also keeps browsers out: a
    // cross-site form or "simple" request can only send text/plain,
    // multipart/form-data or application/x-www-form-urlencoded.
    std::string ct = req.header("content-type");
    resp = rest::error(415, "Unsupported Media Type: a request body must be sent with Content-Type: application/json" +
                                (ct.empty() ? std::string(" (none was given)") : " (got '" + ct + "')"));
  } else if (BodyRead got = declared > 0 && static_cast<uint64_t>(declared) > limit ? BodyRead::kTooLarge
                                                                                     : readBody(conn, limit, declared, &req.body);
             got != BodyRead::kWhole) {
    resp = got == BodyRead::kTooLarge
               ? rest::error(413, "Request body is larger than rest.max.request.bytes (" + std::to_string(limit) + " bytes)")
               : rest::error(408, "Request Timeout: the request body did not arrive in full within rest.request.timeout.ms (" +
                                      std::to_string(cfg_.requestTimeoutMs) + " ms); nothing was done");
    mg_disable_connection_keep_alive(conn);
    resp.headers["Connection"] = "close";
  } else {
    bodyRead = true;
    try {
      resp = router_.dispatch(req);
    } catch (const std::exception& e) {
      SLUICE_LOG(kTag, log::Level::kError, "handler for " + req.method + " " + req.path + " threw: " + e.what());
      resp = rest::error(500, e.what());
    }
  }
  cors_->decorate(req, &resp);
  if (hasBody && !bodyRead) {
    // What the client still sends is not read (nor discarded by civetweb).
    mg_disable_connection_keep_alive(conn);
    resp.headers["Connection"] = "close";
  }
  writeResponse(conn, req.method, resp);
  // What a large request or answer freed stays in this thread's malloc
  // arena, where no other thread reuses it: with many REST threads, large
  // validate bodies kept hundreds of MB. Give it back (with the fixed malloc
  // thresholds main() sets, this returns nearly all of it).
  if (req.body.size() + resp.body.size() > kTrimAfterBytes) malloc_trim(0);
  SLUICE_LOG(kTag, log::Level::kDebug,
             req.method + " " + req.path + " -> " + std::to_string(resp.status) + (who.empty() ? "" : " (" + who + ")"));
  return resp.status;
}

int Server::port() const {
  auto p = ports();
  return p.empty() ? 0 : p.front();
}

std::vector<int> Server::ports() const {
  std::vector<int> out;
  if (!ctx_) return out;
  std::vector<mg_server_port> ports(cfg_.listeners.size() + 1);
  int n = mg_get_server_ports(ctx_, static_cast<int>(ports.size()), ports.data());
  for (int i = 0; i < n; ++i) out.push_back(ports[static_cast<size_t>(i)].port);
  return out;
}

}  // namespace sluice::rest

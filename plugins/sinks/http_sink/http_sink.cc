#include "http_sink.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>

#include "../common/sigpipe_guard.h"

namespace sluice_plugins {
namespace {
namespace json = boost::json;

void globalInit() {
  // curl_global_init is not thread-safe; tasks start on threads of their own.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

const char* reason(long status) {
  switch (status) {
    case 400: return " Bad Request";
    case 401: return " Unauthorized";
    case 403: return " Forbidden";
    case 404: return " Not Found";
    case 405: return " Method Not Allowed";
    case 408: return " Request Timeout";
    case 409: return " Conflict";
    case 410: return " Gone";
    case 413: return " Payload Too Large";
    case 415: return " Unsupported Media Type";
    case 422: return " Unprocessable Content";
    case 429: return " Too Many Requests";
    case 500: return " Internal Server Error";
    case 502: return " Bad Gateway";
    case 503: return " Service Unavailable";
    case 504: return " Gateway Timeout";
    default: return "";
  }
}

// Failures that a later attempt can get past (the server or the network),
// as opposed to a config that can never work.
bool retriableCurl(CURLcode cc) {
  switch (cc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_LOGIN_DENIED:
      return false;
    default:
      return true;
  }
}

std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (body.size() > 200) out += "...";
  return out.empty() ? "(empty body)" : out;
}

bool isJson(std::string_view s) {
  boost::system::error_code ec;
  json::parse(s, ec);
  return !ec;
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  size_t len = size * n;
  if (out->size() < 64 * 1024) out->append(data, std::min(len, 64 * 1024 - out->size()));
  return len;
}

bool hasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

HttpSink::HttpSink(const sluice::Init& init) : SinkTask(init) {
  globalInit();
  url_ = config().requireString("http.api.url");
  {
    CURLU* u = curl_url();
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url_.c_str(), 0);
    char* scheme = nullptr;
    if (rc == CURLUE_OK) curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    std::string s = scheme ? scheme : "";
    curl_free(scheme);
    curl_url_cleanup(u);
    if (rc != CURLUE_OK) throw sluice::ConfigError("http.api.url is not a valid URL: " + std::string(curl_url_strerror(rc)));
    if (s != "http" && s != "https") throw sluice::ConfigError("http.api.url must be an http:// or https:// URL, not " + s + "://");
  }
  put_ = config().getString("request.method", "POST") == "PUT";
  envelopes_ = config().getString("request.body.format", "values") == "records";
  maxRecords_ = static_cast<size_t>(config().getInt("batch.max.size", 500));
  maxBytes_ = static_cast<size_t>(config().getInt("batch.max.bytes", 1 << 20));
  retryAfterMaxMs_ = config().getInt("retry.after.max.ms", 60000);
  timeoutMs_ = static_cast<long>(config().getInt("request.timeout.ms", 30000));
  connectTimeoutMs_ = static_cast<long>(config().getInt("connect.timeout.ms", 5000));

  headers_.push_back(std::string("Content-Type: application/json"));
  headers_.push_back("Expect:");  // no 100-continue round trip before each body
  std::string extra = config().getString("headers");
  for (size_t pos = 0; pos <= extra.size();) {
    size_t bar = extra.find('|', pos);
    std::string h = extra.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos);
    pos = bar == std::string::npos ? extra.size() + 1 : bar + 1;
    while (!h.empty() && h.front() == ' ') h.erase(h.begin());
    while (!h.empty() && h.back() == ' ') h.pop_back();
    if (h.empty()) continue;
    size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0 || hasLineBreak(h))
      throw sluice::ConfigError("headers: '" + h + "' is not 'Name: value' (separate headers with |)");
    headers_.push_back(h);
  }
  std::string auth = config().getString("auth.type", "NONE");
  std::string token = config().getString("auth.token");
  if (hasLineBreak(token)) throw sluice::ConfigError("auth.token must not contain a line break");
  if (auth == "BASIC") {
    basicUser_ = config().getString("connection.user");
    basicPassword_ = config().getString("connection.password");
    if (basicUser_.empty()) throw sluice::ConfigError("auth.type BASIC needs connection.user");
  } else if (auth == "BEARER") {
    if (token.empty()) throw sluice::ConfigError("auth.type BEARER needs auth.token");
    headers_.push_back("Authorization: Bearer " + token);
  } else if (auth == "HEADER") {
    std::string name = config().getString("auth.header.name", "X-API-Key");
    if (token.empty()) throw sluice::ConfigError("auth.type HEADER needs auth.token");
    if (name.empty() || name.find_first_of(": \r\n") != std::string::npos)
      throw sluice::ConfigError("auth.header.name '" + name + "' is not a header name");
    headers_.push_back(name + ": " + token);
  }
}

HttpSink::~HttpSink() { stop().isOk(); }

sluice::Status HttpSink::start() {
  curl_ = curl_easy_init();
  if (!curl_) return sluice::Status::fatal("cannot create a libcurl handle");
  for (const auto& h : headers_) headerList_ = curl_slist_append(headerList_, h.c_str());
  curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headerList_);
  curl_easy_setopt(curl_, CURLOPT_POST, 1L);
  if (put_) curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response_);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, curlError_);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeoutMs_);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "sluice-http-sink/1.0");
  if (!basicUser_.empty()) {
    curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl_, CURLOPT_USERNAME, basicUser_.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, basicPassword_.c_str());
  }
  log(SLUICE_LOG_INFO, std::string("sending batches of up to ") + std::to_string(maxRecords_) + " records with " +
                           (put_ ? "PUT" : "POST") + " to " + url_);
  return sluice::Status::ok();
}

sluice::Status HttpSink::stop() {
  if (curl_) curl_easy_cleanup(curl_);
  curl_ = nullptr;
  if (headerList_) curl_slist_free_all(headerList_);
  headerList_ = nullptr;
  return sluice::Status::ok();
}

int64_t HttpSink::parseRetryAfter(std::string_view v, std::chrono::system_clock::time_point now) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
  if (v.empty()) return -1;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t s = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec != std::errc() || s > 86400 * 365) return -1;
    return s * 1000;
  }
  // An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms).
  time_t t = curl_getdate(std::string(v).c_str(), nullptr);
  if (t < 0) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::from_time_t(t) - now).count();
  return std::max<int64_t>(ms, 0);
}

HttpSink::BatchId HttpSink::idOf(std::span<const sluice_record* const> records) {
  BatchId id;
  id.size = records.size();
  if (records.empty()) return id;
  const sluice_record* f = records.front();
  const sluice_record* l = records.back();
  id.firstTopic = std::string(sluice::view(f->topic));
  id.lastTopic = std::string(sluice::view(l->topic));
  id.firstPartition = f->partition;
  id.lastPartition = l->partition;
  id.firstOffset = f->offset;
  id.lastOffset = l->offset;
  return id;
}

void HttpSink::appendRecord(std::string& body, const sluice_record* r) {
  auto appendValue = [&](sluice_span s) {
    if (!s.data) body += "null";
    else if (isJson(sluice::view(s))) body.append(s.data, s.len);
    else body += sluice::jsonString(sluice::view(s));  // e.g. under value.converter=string
  };
  if (!envelopes_) {
    appendValue(r->value);
    return;
  }
  body += "{\"topic\":";
  body += sluice::jsonString(sluice::view(r->topic));
  body += ",\"partition\":" + std::to_string(r->partition) + ",\"offset\":" + std::to_string(r->offset) +
          ",\"timestamp\":" + std::to_string(r->timestamp_ms) + ",\"key\":";
  body += r->key.data ? sluice::jsonString(sluice::view(r->key)) : std::string("null");
  body += ",\"value\":";
  appendValue(r->value);
  body += '}';
}

CURLcode HttpSink::send(const std::string& body, long& status, int64_t& retryAfterMs, std::string& answer) {
  status = 0;
  retryAfterMs = -1;
  response_.clear();
  curlError_[0] = 0;
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  CURLcode cc = curl_easy_perform(curl_);
  if (cc != CURLE_OK) {
    answer = curlError_[0] ? curlError_ : curl_easy_strerror(cc);
    return cc;
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  curl_header* h = nullptr;
  if (curl_easy_header(curl_, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h && h->value)
    retryAfterMs = parseRetryAfter(h->value, std::chrono::system_clock::now());
  answer = response_;
  return CURLE_OK;
}

sluice::Status HttpSink::put(std::span<const sluice_record* const> records) {
  SigpipeGuard guard;
  if (!curl_) {
    if (sluice::Status s = start(); !s.isOk()) return s;
  }
  const char* method = put_ ? "PUT" : "POST";
  auto now = Clock::now();
  if (now < retryAt_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(retryAt_ - now).count();
    return sluice::Status::retriable("waiting " + std::to_string(left) + " ms more before the next " + method +
                                     " to " + url_ + ", as its Retry-After asked");
  }
  BatchId id = idOf(records);
  // The same batch again after RETRIABLE: resume after the requests that
  // were delivered (and keep the errant records found so far).
  size_t i = 0;
  if (id == pendingBatch_) i = pendingDone_;
  else errant_.clear();
  pendingBatch_ = {};
  pendingDone_ = 0;

  while (i < records.size()) {
    size_t first = i;
    body_ = "[";
    for (; i < records.size() && i - first < maxRecords_; ++i) {
      size_t before = body_.size();
      if (i > first) body_ += ',';
      appendRecord(body_, records[i]);
      if (i > first && body_.size() + 1 > maxBytes_) {
        body_.resize(before);
        break;
      }
    }
    body_ += ']';
    long status = 0;
    int64_t retryAfterMs = -1;
    std::string answer;
    CURLcode cc = send(body_, status, retryAfterMs, answer);
    std::string what = std::string(method) + " of " + std::to_string(i - first) + " records to " + url_;
    if (cc != CURLE_OK) {
      std::string msg = what + " failed: " + answer;
      if (!retriableCurl(cc)) return sluice::Status::fatal(msg);
      pendingBatch_ = id;
      pendingDone_ = first;
      if (!down_) log(SLUICE_LOG_WARN, msg + "; will retry");
      down_ = true;
      return sluice::Status::retriable(msg);
    }
    if (status >= 200 && status < 300) continue;
    std::string msg = what + " answered HTTP " + std::to_string(status) + reason(status);
    if (status == 408 || status == 429 || status >= 500) {
      pendingBatch_ = id;
      pendingDone_ = first;
      if (retryAfterMs >= 0) {
        int64_t wait = std::min(retryAfterMs, retryAfterMaxMs_);
        retryAt_ = Clock::now() + std::chrono::milliseconds(wait);
        msg += " (Retry-After: waiting " + std::to_string(wait) + " ms)";
      }
      msg += ": " + excerpt(answer);
      if (!down_) log(SLUICE_LOG_WARN, msg + "; will retry");
      down_ = true;
      return sluice::Status::retriable(msg);
    }
    // Any other answer will not change by asking again: these records are errant.
    for (size_t k = first; k < i; ++k) errant_.push_back({k, msg + ": " + excerpt(answer)});
  }
  if (down_) {
    log(SLUICE_LOG_INFO, url_ + " accepts requests again");
    down_ = false;
  }
  for (const Errant& e : errant_)
    if (!reportErrant(records[e.index], e.why)) break;  // errors.tolerance=none: the host fails the task
  errant_.clear();
  return sluice::Status::ok();
}

sluice::Status HttpSink::flush() { return sluice::Status::ok(); }

}  // namespace sluice_plugins

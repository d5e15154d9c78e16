#include "host/config/worker_config.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/common/strings.h"
#include "host/config/properties.h"
#include "host/config/providers.h"

namespace sluice::config {
namespace json = boost::json;
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Status bad(const std::string& key, const std::string& why) {
  return Status::invalid("worker config '" + key + "': " + why);
}

// `rest.auth.tokens` ({"name","token","role"}) and `rest.auth.users`
// ({"user","password","role"}): JSON arrays of objects whose fields may use
// config providers. Errors name the entry and field, never a secret.
Status parseCredentials(const std::string& key, const json::value& v, const char* nameField, const char* secretField,
                        std::vector<Credential>* out) {
  if (!v.is_array()) return bad(key, std::string("must be a JSON array of {\"") + nameField + "\", \"" + secretField + "\", \"role\"} objects");
  std::set<std::string> names;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const json::value& e = v.as_array()[i];
    std::string where = key + "[" + std::to_string(i) + "]";
    if (!e.is_object()) return bad(where, std::string("must be an object with \"") + nameField + "\", \"" + secretField + "\" and \"role\"");
    std::map<std::string, std::string> fields;
    for (const auto& kv : e.as_object()) {
      std::string f(kv.key());
      if (f != nameField && f != secretField && f != "role")
        return bad(where, "unknown field '" + f + "' (expected " + nameField + ", " + secretField + ", role)");
      if (!kv.value().is_string()) return bad(where + "." + f, "must be a string");
      auto resolved = resolveValue(std::string(kv.value().as_string()));
      if (!resolved) return bad(where + "." + f, resolved.status().message());
      fields[f] = *resolved;
    }
    Credential c;
    c.name = fields[nameField];
    c.secret = fields[secretField];
    if (c.name.empty()) return bad(where + "." + nameField, "is missing or empty");
    if (c.secret.empty()) return bad(where + "." + secretField, "is missing or empty");
    if (std::string(nameField) == "user" && c.name.find(':') != std::string::npos)
      return bad(where + ".user", "must not contain ':' (HTTP basic authentication splits there)");
    const std::string& role = fields["role"];
    if (role == "read") c.role = Role::kRead;
    else if (role == "admin") c.role = Role::kAdmin;
    else return bad(where + ".role", "must be read or admin");
    if (!names.insert(c.name).second) return bad(where + "." + nameField, "'" + c.name + "' appears twice");
    for (size_t j = 0; j < out->size(); ++j)
      if ((*out)[j].secret == c.secret)
        return bad(where + "." + secretField, "is the same as that of " + key + "[" + std::to_string(j) + "]");
    out->push_back(std::move(c));
  }
  return Status::ok();
}

// Kafka Connect's worker keys (StandaloneConfig and DistributedConfig of
// Connect 4.3) that Sluice accepts without using, with what it does instead.
// Keys of Connect's that Sluice does use are parsed below; any other key is
// refused by name.
const char* connectKeyInstead(const std::string& key) {
  static const char* kStandalone = "Sluice runs this worker standalone (cluster mode is not available yet): connector "
                                   "configs, offsets and status are kept in state.dir";
  static const char* kClients = "Sluice's Kafka clients take librdkafka settings with the producer., consumer. and "
                                "admin. prefixes";
  static const std::map<std::string, const char*> kKeys = {
      {"offset.storage.file.filename", "offsets are kept in state.dir (RocksDB), with operator state and checkpoints"},
      {"offset.flush.timeout.ms", "a commit waits at most task.shutdown.graceful.timeout.ms for Kafka's acknowledgements"},
      {"admin.listeners", "the admin endpoints are served on the listeners"},
      {"client.dns.lookup", kClients},
      {"config.providers", "config providers ${env:...} and ${file:...} are built in"},
      {"connector.client.config.override.policy", "connectors cannot override client settings"},
      {"header.converter.plugin.version", "converters are built in"},
      {"key.converter.plugin.version", "converters are built in"},
      {"value.converter.plugin.version", "converters are built in"},
      {"metric.reporters", "metrics are served in Prometheus format on GET /metrics"},
      {"metrics.num.samples", "metrics are served in Prometheus format on GET /metrics"},
      {"metrics.recording.level", "metrics are served in Prometheus format on GET /metrics"},
      {"metrics.sample.window.ms", "metrics are served in Prometheus format on GET /metrics"},
      {"plugin.discovery", "plugins are shared libraries found in plugin.path"},
      {"response.http.headers.config", "the REST API sets its own headers"},
      {"rest.advertised.listener", "worker_id is rest.advertised.host.name, or the first listener's host:port"},
      {"rest.advertised.port", "worker_id is rest.advertised.host.name, or the first listener's host:port"},
      {"rest.extension.classes", "there are no REST extensions"},
      {"topic.creation.enable", "sources create missing topics with the connector's topic.creation.default.* settings"},
      {"topic.tracking.allow.reset", "PUT /connectors/NAME/topics/reset is always allowed"},
      {"topic.tracking.enable", "active topics are always tracked"},
      {"exactly.once.source.support", "sources are at-least-once"},
      {"security.protocol", kClients},
      {"client.id", kClients},
      {"connections.max.idle.ms", kClients},
      {"metadata.max.age.ms", kClients},
      {"metadata.recovery.rebootstrap.trigger.ms", kClients},
      {"metadata.recovery.strategy", kClients},
      {"receive.buffer.bytes", kClients},
      {"reconnect.backoff.max.ms", kClients},
      {"reconnect.backoff.ms", kClients},
      {"request.timeout.ms", kClients},
      {"retry.backoff.max.ms", kClients},
      {"retry.backoff.ms", kClients},
      {"send.buffer.bytes", kClients},
      {"socket.connection.setup.timeout.max.ms", kClients},
      {"socket.connection.setup.timeout.ms", kClients},
  };
  static const std::set<std::string> kDistributed = {
      "group.id", "config.storage.topic", "config.storage.replication.factor", "offset.storage.topic",
      "offset.storage.partitions", "offset.storage.replication.factor", "status.storage.topic",
      "status.storage.partitions", "status.storage.replication.factor", "connect.protocol",
      "scheduled.rebalance.max.delay.ms", "session.timeout.ms", "heartbeat.interval.ms", "rebalance.timeout.ms",
      "worker.sync.timeout.ms", "worker.unsync.backoff.ms", "inter.worker.key.generation.algorithm",
      "inter.worker.key.size", "inter.worker.key.ttl.ms", "inter.worker.signature.algorithm",
      "inter.worker.verification.algorithms"};
  if (auto it = kKeys.find(key); it != kKeys.end()) return it->second;
  if (kDistributed.count(key)) return kStandalone;
  if (key.starts_with("sasl.")) return kClients;
  if (key.starts_with("ssl."))
    return "the REST API's TLS is set with listeners.https.ssl.certificate.location and .key.location (PEM "
           "files); Sluice's Kafka clients take producer., consumer. and admin. prefixed librdkafka settings";
  if (key.starts_with("config.providers.")) return "config providers ${env:...} and ${file:...} are built in";
  return nullptr;
}

// A converter key a connector may set, given at the worker as every
// connector's default (Connect's key.converter, value.converter,
// header.converter and their sub-keys).
bool isConverterKey(const std::string& key) {
  for (const char* c : {"key.converter", "value.converter", "header.converter"})
    if (key == c || key.starts_with(std::string(c) + ".")) return true;
  return false;
}

}  // namespace

const char* roleName(Role r) { return r == Role::kAdmin ? "admin" : "read"; }

std::string Listener::url() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + std::to_string(port);
}

bool RestConfig::tlsEnabled() const {
  return std::any_of(listeners.begin(), listeners.end(), [](const Listener& l) { return l.tls; });
}

Result<std::vector<Listener>> parseListeners(const std::string& value) {
  std::vector<Listener> out;
  std::set<std::pair<std::string, int>> seen;
  auto fail = [](const std::string& entry, const std::string& why) {
    return bad("listeners", "'" + entry + "' " + why);
  };
  for (const auto& entry : strings::splitList(value)) {
    Listener l;
    std::string rest;
    std::string scheme = lower(entry.substr(0, entry.find("://")));
    if (entry.find("://") == std::string::npos || (scheme != "http" && scheme != "https"))
      return fail(entry, "must be http://HOST:PORT or https://HOST:PORT");
    l.tls = scheme == "https";
    rest = entry.substr(scheme.size() + 3);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos) return fail(entry, "has no port");
    l.host = rest.substr(0, colon);
    if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']') l.host = l.host.substr(1, l.host.size() - 2);
    else if (l.host.find_first_of(":/[]@ ") != std::string::npos) return fail(entry, "has an invalid host");
    std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) || std::stoi(port) > 65535)
      return fail(entry, "has an invalid port (0-65535)");
    l.port = std::stoi(port);
    if (!seen.insert({l.host, l.port}).second) return fail(entry, "is listed twice");
    out.push_back(std::move(l));
  }
  if (out.empty()) return bad("listeners", "needs at least one http:// or https:// listener");
  return out;
}

Result<WorkerConfig> WorkerConfig::parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status::invalid("worker config is not valid JSON: " + ec.message());
  if (!v.is_object()) return Status::invalid("worker config must be a JSON object");
  WorkerConfig w;
  for (const auto& kv : v.as_object()) {
    std::string key(kv.key());
    if (key == "plugin.path") {
      if (kv.value().is_array()) {
        for (const auto& e : kv.value().as_array()) {
          if (!e.is_string()) return bad(key, "must be a list of directory names");
          w.pluginPath.emplace_back(e.as_string());
        }
        continue;
      }
    }
    if (key == "rest.auth.tokens" || key == "rest.auth.users") {
      bool tokens = key == "rest.auth.tokens";
      // In a .properties file the array is the value's text.
      json::value parsed = kv.value();
      if (parsed.is_string()) {
        boost::system::error_code pec;
        parsed = json::parse(parsed.as_string(), pec);
        if (pec) return bad(key, "is not a JSON array: " + pec.message());
      }
      auto st = parseCredentials(key, parsed, tokens ? "name" : "user", tokens ? "token" : "password",
                                 tokens ? &w.rest.tokens : &w.rest.users);
      if (!st) return st;
      continue;
    }
    auto raw = jsonutil::configString(kv.value());
    if (!raw) return bad(key, "must be a string, number or boolean");
    auto resolved = resolveValue(*raw);
    if (!resolved) return bad(key, resolved.status().message());
    const std::string& s = *resolved;
    auto asInt = [&](int64_t* out, int64_t min = 0) -> Status {
      std::string why = min > 0 ? "must be a positive integer" : "must be a non-negative integer";
      try {
        size_t used = 0;
        *out = std::stoll(s, &used);
        if (used != s.size() || *out < min) return bad(key, why + ", got '" + s + "'");
      } catch (...) {
        return bad(key, why + ", got '" + s + "'");
      }
      return Status::ok();
    };
    auto asBool = [&](bool* out) -> Status {
      if (s != "true" && s != "false") return bad(key, "must be true or false, got '" + s + "'");
      *out = s == "true";
      return Status::ok();
    };
    if (key == "listeners") {
      auto l = parseListeners(s);
      if (!l) return l.status();
      w.rest.listeners = std::move(*l);
    } else if (key == kTlsCertificateKey) {
      w.rest.tlsCertificateLocation = s;
    } else if (key == kTlsKeyKey) {
      w.rest.tlsKeyLocation = s;
    } else if (key == kTlsKeyPasswordKey) {
      w.rest.tlsKeyPassword = s;
    } else if (key == "rest.auth.metrics.anonymous") {
      if (auto st = asBool(&w.rest.metricsAnonymous); !st) return st;
    } else if (key == "access.control.allow.origin") {
      w.rest.corsAllowOrigins = strings::splitList(s);
    } else if (key == "access.control.allow.methods") {
      w.rest.corsAllowMethods.clear();
      for (auto m : strings::splitList(s)) {
        std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
        if (!std::all_of(m.begin(), m.end(), [](unsigned char c) { return std::isupper(c); })) return bad(key, "'" + m + "' is not an HTTP method");
        w.rest.corsAllowMethods.push_back(m);
      }
      if (w.rest.corsAllowMethods.empty()) return bad(key, "must list at least one HTTP method");
    } else if (key == "rest.max.request.bytes") {
      if (auto st = asInt(&w.rest.maxRequestBytes, 1); !st) return st;
    } else if (key == "rest.threads") {
      if (auto st = asInt(&w.rest.threads, 1); !st) return st;
      if (w.rest.threads > 1024) return bad(key, "must be at most 1024");
    } else if (key == "rest.request.timeout.ms") {
      if (auto st = asInt(&w.rest.requestTimeoutMs, 1); !st) return st;
      if (w.rest.requestTimeoutMs < 100) return bad(key, "must be at least 100, got '" + s + "'");
    } else if (key == "plugin.path") {
      std::stringstream ss(s);
      std::string item;
      while (std::getline(ss, item, ','))
        if (!item.empty()) w.pluginPath.push_back(item);
    } else if (key == "state.dir") {
      w.stateDir = s;
    } else if (key == "bootstrap.servers") {
      w.bootstrapServers = s;
    } else if (key.starts_with("producer.")) {
      w.producerOverrides[key.substr(9)] = s;
    } else if (key.starts_with("consumer.")) {
      w.consumerOverrides[key.substr(9)] = s;
    } else if (key.starts_with("admin.")) {
      w.adminOverrides[key.substr(6)] = s;
    } else if (key == "offset.flush.interval.ms") {
      if (auto st = asInt(&w.offsetFlushIntervalMs); !st) return st;
    } else if (key == "checkpoint.interval.ms") {
      if (auto st = asInt(&w.checkpointIntervalMs); !st) return st;
    } else if (key == "checkpoint.retain") {
      if (auto st = asInt(&w.checkpointRetain); !st) return st;
      if (w.checkpointRetain < 1) return bad(key, "must be at least 1");
    } else if (key == "checkpoint.retain.ms") {
      if (auto st = asInt(&w.checkpointRetainMs); !st) return st;
    } else if (key == "savepoints.dir") {
      w.savepointsDir = s;
    } else if (key == "task.shutdown.graceful.timeout.ms") {
      if (auto st = asInt(&w.taskShutdownTimeoutMs); !st) return st;
    } else if (key == "shutdown.drain.ms") {
      if (auto st = asInt(&w.shutdownDrainMs); !st) return st;
    } else if (key == "log.level") {
      log::Level l;
      if (!log::parseLevel(s, &l)) return bad(key, "must be one of TRACE, DEBUG, INFO, WARN, ERROR");
      w.logLevel = s;
    } else if (key == "log.format") {
      if (s != "text" && s != "json") return bad(key, "must be text or json");
      w.logJson = s == "json";
    } else if (key == "rest.advertised.host.name") {
      w.restAdvertisedName = s;
    } else if (isConverterKey(key)) {
      w.connectorDefaults[key] = *raw;  // unresolved: the connector resolves its config
    } else if (const char* instead = connectKeyInstead(key)) {
      w.ignoredConnectKeys.emplace_back(key, instead);
    } else {
      return Status::invalid("unknown worker config key '" + key + "'");
    }
  }
  if (w.rest.tlsEnabled() && w.rest.tlsCertificateLocation.empty())
    return bad(kTlsCertificateKey, "must be set for an https:// listener (a PEM file)");
  if (w.rest.tlsEnabled() && w.rest.tlsKeyLocation.empty())
    return bad(kTlsKeyKey, "must be set for an https:// listener (a PEM file)");
  return w;
}

Result<WorkerConfig> WorkerConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::notFound("cannot read worker config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (isPropertiesFile(path)) {
    auto entries = parseProperties(text);
    if (!entries) return Status::invalid(path + ": " + entries.status().message());
    json::object o;
    for (auto& [k, v] : *entries) o[k] = v;  // the last of a repeated key wins, as in Java
    text = json::serialize(o);
  }
  auto r = parse(text);
  if (!r) return Status::invalid(path + ": " + r.status().message());
  return r;
}

std::string WorkerConfig::listenAddress() const {
  const Listener& l = rest.listeners.front();
  std::string url = l.url();
  return url.substr(url.find("://") + 3);
}

}  // namespace sluice::config

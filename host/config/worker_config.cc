#include "host/config/worker_config.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/common/strings.h"
#include "host/config/options.h"
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

namespace {

// How a table entry matches keys.
enum class Match {
  kExact,     // the key itself
  kSubkeys,   // the key and every key below it (key.converter.schemas.enable)
  kPrefix,    // every key below the name without its ".*" (producer.linger.ms)
};

// A value as the table's setters see it: the key, the JSON value as given
// (plugin.path and the credentials may be arrays), and, lazily, its text
// with config providers resolved.
struct Given {
  const std::string& key;
  const json::value& raw;
  Result<std::string> text() const {
    auto s = jsonutil::configString(raw);
    if (!s) return bad(key, "must be a string, number or boolean");
    auto resolved = resolveValue(*s);
    if (!resolved) return bad(key, resolved.status().message());
    return *resolved;
  }
};

using Setter = std::function<Status(WorkerConfig&, const Given&)>;

struct WorkerOption {
  OptionDef def;
  Match match = Match::kExact;
  Setter set;
};

OptionDef def(std::string name, std::string type, std::optional<std::string> dflt, std::string doc,
              std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt,
              std::vector<std::string> allowed = {}) {
  OptionDef d = hostOption(std::move(name), std::move(type), std::move(dflt), std::move(doc), std::move(allowed), min, max);
  d.secretFlag = d.type == "password";
  return d;
}

// A string into a field.
Setter text(std::string WorkerConfig::*field) {
  return [field](WorkerConfig& w, const Given& g) -> Status {
    auto s = g.text();
    if (!s) return s.status();
    w.*field = *s;
    return Status::ok();
  };
}
Setter restText(std::string RestConfig::*field) {
  return [field](WorkerConfig& w, const Given& g) -> Status {
    auto s = g.text();
    if (!s) return s.status();
    w.rest.*field = *s;
    return Status::ok();
  };
}

// An integer within the entry's min and max, into `out`.
Status integer(const Given& g, const OptionDef& d, int64_t* out) {
  auto s = g.text();
  if (!s) return s.status();
  int64_t min = d.min ? static_cast<int64_t>(*d.min) : 0;
  std::string why = min == 0 ? "must be a non-negative integer" : min == 1 ? "must be a positive integer"
                                                                           : "must be an integer of at least " + std::to_string(min);
  try {
    size_t used = 0;
    *out = std::stoll(*s, &used);
    if (used != s->size()) return bad(g.key, why + ", got '" + *s + "'");
  } catch (...) {
    return bad(g.key, why + ", got '" + *s + "'");
  }
  if (*out < min) return bad(g.key, min <= 1 ? why + ", got '" + *s + "'" : "must be at least " + std::to_string(min) + ", got '" + *s + "'");
  if (d.max && *out > static_cast<int64_t>(*d.max))
    return bad(g.key, "must be at most " + std::to_string(static_cast<int64_t>(*d.max)) + ", got '" + *s + "'");
  return Status::ok();
}

Status boolean(const Given& g, bool* out) {
  auto s = g.text();
  if (!s) return s.status();
  if (*s != "true" && *s != "false") return bad(g.key, "must be true or false, got '" + *s + "'");
  *out = *s == "true";
  return Status::ok();
}

// Every worker key Sluice uses, in the order docs/configuration.md lists
// them: parsing, defaults, limits and the documentation come from here
// (`sluice describe --worker`). Keys of Kafka Connect's that Sluice has no
// use for are in connectKeyInstead.
const std::vector<WorkerOption>& workerOptions() {
  static const std::vector<WorkerOption> table = [] {
    std::vector<WorkerOption> t;
    auto add = [&t](OptionDef d, Setter set, Match m = Match::kExact) { t.push_back({std::move(d), m, std::move(set)}); };
    // An integer field: the entry's own limits apply.
    auto intInto = [&add](OptionDef d, auto field) {
      OptionDef copy = d;
      add(std::move(d), [copy, field](WorkerConfig& w, const Given& g) { return integer(g, copy, &(w.*field)); });
    };
    auto restIntInto = [&add](OptionDef d, int64_t RestConfig::*field) {
      OptionDef copy = d;
      add(std::move(d), [copy, field](WorkerConfig& w, const Given& g) { return integer(g, copy, &(w.rest.*field)); });
    };

    add(def("listeners", "list", "http://127.0.0.1:8083",
            "Where the REST API listens: comma-separated http://HOST:PORT and https://HOST:PORT (an empty HOST is "
            "every interface; see REST security)."),
        [](WorkerConfig& w, const Given& g) -> Status {
          auto s = g.text();
          if (!s) return s.status();
          auto l = parseListeners(*s);
          if (!l) return l.status();
          w.rest.listeners = std::move(*l);
          return Status::ok();
        });
    add(def("plugin.path", "list", std::nullopt,
            "Directories (a JSON array, or comma-separated) whose *.so files, and those of their direct "
            "subdirectories, are tried as plugins. Unset: the built-in plugin directory."),
        [](WorkerConfig& w, const Given& g) -> Status {
          if (g.raw.is_array()) {
            for (const auto& e : g.raw.as_array()) {
              if (!e.is_string()) return bad(g.key, "must be a list of directory names");
              w.pluginPath.emplace_back(e.as_string());
            }
            return Status::ok();
          }
          auto s = g.text();
          if (!s) return s.status();
          std::stringstream ss(*s);
          std::string item;
          while (std::getline(ss, item, ','))
            if (!item.empty()) w.pluginPath.push_back(item);
          return Status::ok();
        });
    add(def("state.dir", "string", "sluice-state",
            "RocksDB directory for connector configs, offsets, operator state and checkpoints; a directory "
            "holding other files is refused (never a silent fresh start)."),
        text(&WorkerConfig::stateDir));
    add(def("bootstrap.servers", "list", std::nullopt,
            "Kafka brokers. Unset: the embedded, non-durable librdkafka mock cluster."),
        text(&WorkerConfig::bootstrapServers));
    auto clientPrefix = [&add](const char* prefix, const char* what, std::map<std::string, std::string> WorkerConfig::*field) {
      std::string p = prefix;
      add(def(p + "*", "string", std::nullopt,
              std::string("librdkafka settings of ") + what + " (e.g. " + p +
                  (p == "producer." ? "linger.ms" : p == "consumer." ? "partition.assignment.strategy" : "request.timeout.ms") +
                  "); see docs/configuration.md, Producer and consumer defaults."),
          [field, n = p.size()](WorkerConfig& w, const Given& g) -> Status {
            auto s = g.text();
            if (!s) return s.status();
            (w.*field)[g.key.substr(n)] = *s;
            return Status::ok();
          },
          Match::kPrefix);
    };
    clientPrefix("producer.", "the source tasks' producers", &WorkerConfig::producerOverrides);
    clientPrefix("consumer.", "the sink tasks' consumers", &WorkerConfig::consumerOverrides);
    clientPrefix("admin.", "the admin client", &WorkerConfig::adminOverrides);
    intInto(def("checkpoint.interval.ms", "long", "5000",
                "How often each task checkpoints: a barrier (sources wait until every produced record is "
                "acknowledged; sinks flush), then offsets and operator state in one synchronous RocksDB batch with "
                "a history entry. 0 turns the history off.", 0),
            &WorkerConfig::checkpointIntervalMs);
    intInto(def("checkpoint.retain", "long", "100", "Checkpoints kept per connector (the oldest are dropped first).", 1),
            &WorkerConfig::checkpointRetain);
    intInto(def("checkpoint.retain.ms", "long", "86400000",
                "And none older than this (the newest is always kept); 0: no age limit.", 0),
            &WorkerConfig::checkpointRetainMs);
    add(def("savepoints.dir", "string", std::nullopt,
            "Where POST /admin/savepoints writes. Unset: <state.dir>.savepoints."),
        text(&WorkerConfig::savepointsDir));
    intInto(def("offset.flush.interval.ms", "long", "5000",
                "With checkpoint.interval.ms=0: how often source offsets are stored and sink offsets flushed and "
                "committed.", 0),
            &WorkerConfig::offsetFlushIntervalMs);
    intInto(def("task.shutdown.graceful.timeout.ms", "long", "5000",
                "How long a stopping task may wait for acknowledgements (and a checkpoint barrier for them).", 0),
            &WorkerConfig::taskShutdownTimeoutMs);
    intInto(def("shutdown.drain.ms", "long", "10000",
                "Embedded cluster only: how long sinks may drain on a clean stop.", 0),
            &WorkerConfig::shutdownDrainMs);
    add(def("log.level", "string", "INFO", "The root logger's level.", std::nullopt, std::nullopt,
            {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}),
        [](WorkerConfig& w, const Given& g) -> Status {
          auto s = g.text();
          if (!s) return s.status();
          log::Level l;
          if (!log::parseLevel(*s, &l)) return bad(g.key, "must be one of TRACE, DEBUG, INFO, WARN, ERROR");
          w.logLevel = *s;
          return Status::ok();
        });
    add(def("log.format", "string", "text", "text, or json for one JSON object per line.", std::nullopt,
            std::nullopt, {"text", "json"}),
        [](WorkerConfig& w, const Given& g) -> Status {
          auto s = g.text();
          if (!s) return s.status();
          if (*s != "text" && *s != "json") return bad(g.key, "must be text or json");
          w.logJson = *s == "json";
          return Status::ok();
        });
    add(def("rest.advertised.host.name", "string", std::nullopt,
            "The worker_id shown in statuses. Unset: HOST:PORT of the first listener."),
        text(&WorkerConfig::restAdvertisedName));
    for (const char* conv : {"key.converter", "value.converter", "header.converter"})
      add(def(conv, "class", std::nullopt,
              std::string("With its sub-keys (") + conv +
                  ".*): every connector's default for the key of the same name, as in Kafka Connect; a connector "
                  "that sets the key uses its own, and the defaults are not copied into connector configs."),
          [](WorkerConfig& w, const Given& g) -> Status {
            auto s = jsonutil::configString(g.raw);
            if (!s) return bad(g.key, "must be a string, number or boolean");
            w.connectorDefaults[g.key] = *s;  // unresolved: the connector resolves its config
            return Status::ok();
          },
          Match::kSubkeys);

    // REST security (docs/rest-api.md#security).
    add(def(kTlsCertificateKey, "string", std::nullopt,
            "PEM file with the server certificate, then its intermediates; required with an https:// listener."),
        restText(&RestConfig::tlsCertificateLocation));
    add(def(kTlsKeyKey, "string", std::nullopt,
            "PEM file with the certificate's private key; required with an https:// listener."),
        restText(&RestConfig::tlsKeyLocation));
    add(def(kTlsKeyPasswordKey, "password", std::nullopt, "Password of an encrypted private key."),
        restText(&RestConfig::tlsKeyPassword));
    for (bool tokens : {true, false})
      add(def(tokens ? "rest.auth.tokens" : "rest.auth.users", "list", std::nullopt,
              tokens ? "JSON array of bearer tokens: [{\"name\": \"ci\", \"token\": \"...\", \"role\": \"admin\"}]; "
                       "name is what logs show."
                     : "JSON array of basic-auth users: [{\"user\": \"ops\", \"password\": \"...\", \"role\": \"read\"}]."),
          [tokens](WorkerConfig& w, const Given& g) -> Status {
            // In a .properties file the array is the value's text.
            json::value parsed = g.raw;
            if (parsed.is_string()) {
              boost::system::error_code pec;
              parsed = json::parse(parsed.as_string(), pec);
              if (pec) return bad(g.key, "is not a JSON array: " + pec.message());
            }
            return parseCredentials(g.key, parsed, tokens ? "name" : "user", tokens ? "token" : "password",
                                    tokens ? &w.rest.tokens : &w.rest.users);
          });
    add(def("rest.auth.metrics.anonymous", "boolean", "false",
            "true serves GET /metrics without credentials when authentication is on."),
        [](WorkerConfig& w, const Given& g) { return boolean(g, &w.rest.metricsAnonymous); });
    add(def("access.control.allow.origin", "list", std::nullopt,
            "Origins allowed to call the API from a browser: a comma-separated list, or *. Unset: CORS off."),
        [](WorkerConfig& w, const Given& g) -> Status {
          auto s = g.text();
          if (!s) return s.status();
          w.rest.corsAllowOrigins = strings::splitList(*s);
          return Status::ok();
        });
    add(def("access.control.allow.methods", "list", "GET,POST,HEAD", "Methods those origins may use."),
        [](WorkerConfig& w, const Given& g) -> Status {
          auto s = g.text();
          if (!s) return s.status();
          w.rest.corsAllowMethods.clear();
          for (auto m : strings::splitList(*s)) {
            std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
            if (!std::all_of(m.begin(), m.end(), [](unsigned char c) { return std::isupper(c); }))
              return bad(g.key, "'" + m + "' is not an HTTP method");
            w.rest.corsAllowMethods.push_back(m);
          }
          if (w.rest.corsAllowMethods.empty()) return bad(g.key, "must list at least one HTTP method");
          return Status::ok();
        });
    restIntInto(def("rest.max.request.bytes", "long", "1048576", "Largest request body accepted; larger ones get 413.", 1),
                &RestConfig::maxRequestBytes);
    restIntInto(def("rest.threads", "int", "128",
                    "Requests served at once; an open connection holds one while it sends its request, so keep it "
                    "above the number of clients that may hold connections open.", 1, 1024),
                &RestConfig::threads);
    restIntInto(def("rest.request.timeout.ms", "long", "10000",
                    "A client that takes longer to send its request, or is idle that long on a kept-alive "
                    "connection, is cut.", 100),
                &RestConfig::requestTimeoutMs);
    return t;
  }();
  return table;
}

const WorkerOption* findWorkerOption(const std::string& key) {
  for (const auto& o : workerOptions()) {
    const std::string& n = o.def.name;
    switch (o.match) {
      case Match::kExact:
        if (key == n) return &o;
        break;
      case Match::kSubkeys:
        if (key == n || key.starts_with(n + ".")) return &o;
        break;
      case Match::kPrefix:
        if (key.size() > n.size() - 1 && key.starts_with(n.substr(0, n.size() - 1))) return &o;
        break;
    }
  }
  return nullptr;
}

}  // namespace

OptionTable workerOptionTable(bool restSecurity) {
  OptionTable out;
  for (const auto& o : workerOptions()) {
    bool security = o.def.name.starts_with("listeners.https.") || o.def.name.starts_with("rest.auth.") ||
                    o.def.name.starts_with("access.control.") || o.def.name.starts_with("rest.max.") ||
                    o.def.name == "rest.threads" || o.def.name == "rest.request.timeout.ms";
    if (security == restSecurity) out.push_back(o.def);
  }
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
    if (const WorkerOption* o = findWorkerOption(key)) {
      if (Status st = o->set(w, Given{key, kv.value()}); !st) return st;
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

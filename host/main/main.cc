// sluice: the command-line entry point. The only code the tests don't link.
#include <boost/json.hpp>
#include <librdkafka/rdkafka.h>
#include <rocksdb/version.h>

#include <malloc.h>

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "host/abi/crash_guard.h"
#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/config/connector_config.h"
#include "host/config/properties.h"
#include "host/config/worker_config.h"
#include "host/kafka/env.h"
#include "host/loader/registry.h"
#include "host/metrics/metrics.h"
#include "host/rest/api.h"
#include "host/state/rocks_store.h"
#include "host/worker/standalone_herder.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif
#include "sluice_commit.h"  // SLUICE_COMMIT, written at every build (main/commit.cmake)

namespace {
namespace json = boost::json;
using namespace sluice;
const log::Tag kTag{"sluice.main", "", -1};

volatile std::sig_atomic_t gStop = 0;
void onSignal(int) { gStop = 1; }

// The usage text: on stdout with exit 0 when asked for (--help), on stderr
// with exit 2 after a command line that is wrong.
int usage(bool asked = false) {
  std::fprintf(asked ? stdout : stderr,
               "usage:\n"
               "  sluice run WORKER.json [CONNECTOR.json ...] [--from-savepoint DIR]\n"
               "                                                 run a worker (like connect-standalone);\n"
               "                                                 a savepoint seeds an empty state.dir\n"
               "  sluice plugins [--plugin-path DIR ...] [--json] list plugins and refused files\n"
               "                                                 (exit 1 when a file or directory was refused)\n"
               "  sluice describe PLUGIN [--plugin-path DIR ...] [--markdown | --json]\n"
               "                                                 print a plugin's options\n"
               "  sluice describe --worker [--markdown | --json] print the worker config keys\n"
               "  sluice --version\n"
               "  sluice --help\n");
  return asked ? 0 : 2;
}

std::vector<std::string> pluginDirs(std::vector<std::string> given) {
  if (given.empty()) given.push_back(loader::defaultPluginDir());
  return given;
}

int cmdPlugins(const std::vector<std::string>& dirs, bool asJson) {
  log::configure(false, log::Level::kError);
  loader::Registry reg;
  reg.scan(pluginDirs(dirs));
  if (asJson) {
    json::array out;
    for (const auto& p : reg.plugins())
      out.push_back(json::object{{"name", p->name}, {"kind", loader::kindName(p->kind)}, {"version", p->version},
                                 {"abi", std::to_string(p->abiMajor) + "." + std::to_string(p->abiMinor)}, {"file", p->file}});
    for (const auto& r : reg.refused())
      out.push_back(json::object{{"name", nullptr}, {"kind", nullptr}, {"version", nullptr}, {"abi", nullptr}, {"file", r.file}, {"error", r.error}});
    std::cout << json::serialize(out) << "\n";
    return reg.refused().empty() ? 0 : 1;
  }
  std::printf("%-22s %-10s %-8s %-5s %s\n", "NAME", "KIND", "VERSION", "ABI", "FILE");
  for (const auto& p : reg.plugins())
    std::printf("%-22s %-10s %-8s %u.%-3u %s\n", p->name.c_str(), loader::kindName(p->kind), p->version.c_str(),
                p->abiMajor, p->abiMinor, p->file.c_str());
  for (const auto& r : reg.refused()) std::printf("REFUSED %s: %s\n", r.file.c_str(), r.error.c_str());
  // Non-zero when something was refused, so a CI step can gate on it.
  if (reg.refused().empty()) return 0;
  std::fprintf(stderr, "sluice: %zu plugin file(s) or directories refused\n", reg.refused().size());
  return 1;
}

// A bound as the user wrote it: 100000, not 1e+05; 0.5, not 0.500000.
std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// A bound in JSON: an integer when it is one (1, not 1E0).
json::value numberJson(double v) {
  if (std::abs(v) < 9e15 && v == static_cast<double>(static_cast<int64_t>(v))) return static_cast<int64_t>(v);
  return v;
}

// An option as `describe --json` prints it (the fields of the option table).
json::object optionJson(const config::OptionDef& o) {
  json::object j{{"name", o.name}, {"type", o.type}, {"required", o.required}, {"secret", o.secret()}, {"doc", o.doc}};
  j["default"] = o.defaultValue ? json::value(*o.defaultValue) : json::value(nullptr);
  if (o.min) j["min"] = numberJson(*o.min);
  if (o.max) j["max"] = numberJson(*o.max);
  if (!o.allowed.empty()) j["allowed"] = json::value_from(o.allowed);
  return j;
}

// What SLUICE_FLAG_TEXT_VALUES means to a user of the plugin.
constexpr const char* kTextValues =
    "text: with value.converter=json a value is a JSON string (`alpha` is `\"alpha\"` in the topic), as in Kafka "
    "Connect; with string or bytearray, the bytes as they are";

// The worker config keys (config::workerOptionTable): docs/configuration.md's
// tables are this command's --markdown output (`make docs`).
int cmdDescribeWorker(bool markdown, bool asJson) {
  auto general = config::workerOptionTable(false), security = config::workerOptionTable(true);
  if (asJson) {
    json::array options;
    for (const auto* t : {&general, &security})
      for (const auto& o : *t) options.push_back(optionJson(o));
    std::cout << json::serialize(json::object{{"options", std::move(options)}}) << "\n";
    return 0;
  }
  if (markdown) {
    std::printf("%s\n### REST security\n\n%s", config::optionsMarkdown(general).c_str(),
                config::optionsMarkdown(security).c_str());
    return 0;
  }
  for (const auto* t : {&general, &security})
    for (const auto& o : *t)
      std::printf("  %s (%s)%s%s\n      %s\n", o.name.c_str(), o.type.c_str(), o.defaultValue ? " default: " : "",
                  o.defaultValue ? o.defaultValue->c_str() : "", o.doc.c_str());
  return 0;
}

int cmdDescribe(const std::string& name, const std::vector<std::string>& dirs, bool markdown, bool asJson) {
  log::configure(false, log::Level::kError);
  loader::Registry reg;
  reg.scan(pluginDirs(dirs));
  const loader::Plugin* p = reg.find(name);
  if (!p) {
    sluice_variant v;
    p = reg.findTransform(name, &v);
  }
  if (!p) {
    std::fprintf(stderr, "sluice: no plugin named '%s' (see 'sluice plugins')\n", name.c_str());
    return 1;
  }
  std::string aliases;
  for (const auto& a : p->aliases) aliases += (aliases.empty() ? "" : ", ") + a;
  if (asJson) {
    json::array options;
    for (const auto& o : p->options) options.push_back(optionJson(o));
    json::object out{{"name", p->name}, {"kind", loader::kindName(p->kind)}, {"version", p->version},
                     {"description", p->description}, {"aliases", json::value_from(p->aliases)},
                     {"variants", (p->flags & SLUICE_FLAG_KEY_VALUE_VARIANTS) != 0},
                     {"text_values", (p->flags & SLUICE_FLAG_TEXT_VALUES) != 0}, {"max_tasks", p->maxTasks},
                     {"file", p->file}, {"options", std::move(options)}};
    std::cout << json::serialize(out) << "\n";
    return 0;
  }
  if (markdown) {
    std::printf("# %s\n\n%s\n\n", p->name.c_str(), p->description.c_str());
    std::printf("- kind: %s\n- version: %s\n", loader::kindName(p->kind), p->version.c_str());
    if (!aliases.empty()) std::printf("- aliases: %s\n", aliases.c_str());
    if (p->flags & SLUICE_FLAG_KEY_VALUE_VARIANTS) std::printf("- variants: `%s$Key`, `%s$Value`\n", p->name.c_str(), p->name.c_str());
    if (p->flags & SLUICE_FLAG_TEXT_VALUES) std::printf("- values: %s\n", kTextValues);
    if (p->maxTasks) std::printf("- max tasks: %u\n", p->maxTasks);
    std::printf("\n## Options\n\n");
    if (p->options.empty()) std::printf("This plugin has no options.\n");
    else std::printf("%s", config::optionsMarkdown(p->options).c_str());
    return 0;
  }
  std::printf("%s %s (%s)%s%s\n%s\n\n", p->name.c_str(), p->version.c_str(), loader::kindName(p->kind),
              aliases.empty() ? "" : ", aliases: ", aliases.c_str(), p->description.c_str());
  if (p->flags & SLUICE_FLAG_TEXT_VALUES) std::printf("values: %s\n\n", kTextValues);
  for (const auto& o : p->options) {
    std::string limits;
    if (o.min && o.max) limits = "range: " + number(*o.min) + " to " + number(*o.max);
    else if (o.min) limits = "at least " + number(*o.min);
    else if (o.max) limits = "at most " + number(*o.max);
    if (!o.allowed.empty()) {
      std::string list;
      for (const auto& a : o.allowed) list += (list.empty() ? "" : ", ") + a;
      limits += (limits.empty() ? "" : "; ") + std::string("one of: ") + list;
    }
    std::printf("  %s (%s%s)%s%s\n      %s\n", o.name.c_str(), o.type.c_str(), o.required ? ", required" : "",
                o.defaultValue ? " default: " : "", o.defaultValue ? o.defaultValue->c_str() : "", o.doc.c_str());
    if (!limits.empty()) std::printf("      %s\n", limits.c_str());
  }
  return 0;
}

Result<std::pair<std::string, config::ConfigMap>> readConnectorFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::notFound("cannot read connector config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (config::isPropertiesFile(path)) {
    // As connect-standalone takes it: name=..., connector.class=..., the rest.
    auto entries = config::parseProperties(ss.str());
    if (!entries) return Status::invalid(path + ": " + entries.status().message());
    config::ConfigMap m;
    for (auto& [k, v] : *entries) m[k] = v;  // the last of a repeated key wins, as in Java
    if (!m.count("name") || m["name"].empty()) return Status::invalid(path + ": connector config has no name");
    std::string name = m["name"];
    return std::make_pair(name, m);
  }
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec) return Status::invalid(path + ": not valid JSON: " + ec.message());
  if (!v.is_object()) return Status::invalid(path + ": must be an object {\"name\": ..., \"config\": {...}}");
  auto& o = v.as_object();
  auto* cfg = o.if_contains("config");
  const json::object* obj = cfg && cfg->is_object() ? &cfg->as_object() : &o;  // also accept a flat map
  config::ConfigMap m;
  for (const auto& kv : *obj) {
    auto s = jsonutil::configString(kv.value());
    if (!s) return Status::invalid(path + ": value of '" + std::string(kv.key()) + "' must be a string, number or boolean");
    m[std::string(kv.key())] = *s;
  }
  std::string name;
  if (auto* n = o.if_contains("name"); n && n->is_string()) name = std::string(n->as_string());
  else if (m.count("name")) name = m["name"];
  if (name.empty()) return Status::invalid(path + ": connector config has no name");
  return std::make_pair(name, m);
}

int cmdRun(const std::string& workerPath, const std::vector<std::string>& connectorPaths,
           const std::string& fromSavepoint) {
  auto wc = config::WorkerConfig::load(workerPath);
  if (!wc) {
    std::fprintf(stderr, "sluice: %s\n", wc.status().message().c_str());
    return 1;
  }
  log::Level level = log::Level::kInfo;
  log::parseLevel(wc->logLevel, &level);
  log::configure(wc->logJson, level);
  if (!wc->ignoredConnectKeys.empty()) {
    std::string msg = "worker config keys of Kafka Connect that Sluice does not use:";
    for (const auto& [key, instead] : wc->ignoredConnectKeys) msg += " " + key + " (" + instead + ");";
    msg.pop_back();
    SLUICE_LOG(kTag, log::Level::kWarn, msg);
  }

  // Read every connector file before starting anything: a bad file changes nothing.
  std::vector<std::pair<std::string, config::ConfigMap>> connectors;
  for (const auto& p : connectorPaths) {
    auto c = readConnectorFile(p);
    if (!c) {
      std::fprintf(stderr, "sluice: %s\n", c.status().message().c_str());
      return 1;
    }
    connectors.push_back(std::move(*c));
  }

  loader::Registry reg;
  reg.scan(pluginDirs(wc->pluginPath));
  SLUICE_LOG(kTag, log::Level::kInfo, "loaded " + std::to_string(reg.plugins().size()) + " plugins, refused " + std::to_string(reg.refused().size()) + " files");
  for (const auto& [name, cfg] : connectors) {
    auto v = config::validateConnector(reg, name, cfg, true, wc->connectorDefaults);
    if (!v.ok()) {
      std::fprintf(stderr, "sluice: connector %s: %s\n", name.c_str(), v.message().c_str());
      return 1;
    }
  }

  if (!fromSavepoint.empty()) {
    if (auto s = state::RocksStore::restoreSavepoint(fromSavepoint, wc->stateDir); !s) {
      std::fprintf(stderr, "sluice: %s\n", s.message().c_str());
      return 1;
    }
    SLUICE_LOG(kTag, log::Level::kInfo, "state.dir " + wc->stateDir + " restored from savepoint " + fromSavepoint);
  }
  auto store = state::RocksStore::open(wc->stateDir);
  if (!store) {
    std::fprintf(stderr, "sluice: %s\n", store.status().message().c_str());
    return 1;
  }
  auto kafka = kafka::Env::create(wc->bootstrapServers, wc->producerOverrides, wc->consumerOverrides, wc->adminOverrides);
  if (!kafka) {
    std::fprintf(stderr, "sluice: %s\n", kafka.status().message().c_str());
    return 1;
  }
  metrics::Metrics metrics;
  runtime::StandaloneHerder herder(*wc, reg, **store, **store, **kafka, metrics);
  if (!wc->restAdvertisedName.empty()) herder.setWorkerId(wc->restAdvertisedName);

  rest::Router router;
  std::atomic<bool> started{false}, stopping{false};
  rest::registerApi(router, rest::ApiContext{&herder, &reg, &metrics, [k = kafka->get()] { return k->clusterId(); },
                                             SLUICE_VERSION, SLUICE_COMMIT, &started, &stopping});
  rest::Server server(router, wc->rest);
  if (!server.started()) {
    std::fprintf(stderr, "sluice: REST listener: %s\n", server.error().c_str());
    return 1;
  }
  for (const auto& l : wc->rest.listeners) {
    SLUICE_LOG(kTag, log::Level::kInfo, "REST API listening on " + l.url());
    bool loopback = l.host.starts_with("127.") || l.host == "localhost" || l.host == "::1";
    if (!loopback && !wc->rest.authEnabled())
      SLUICE_LOG(kTag, log::Level::kWarn, "REST listener " + l.url() + " is reachable from other hosts and rest.auth.tokens/rest.auth.users are not set: anyone who can connect may manage connectors");
  }
  SLUICE_LOG(kTag, log::Level::kInfo, std::string("REST authentication: ") +
                                          (wc->rest.authEnabled() ? std::to_string(wc->rest.tokens.size()) + " token(s), " + std::to_string(wc->rest.users.size()) + " user(s)" : "off"));

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  // A write to a socket whose peer went away (a plugin's client library, a
  // REST client that hung up) must be an EPIPE error, not the end of the host.
  std::signal(SIGPIPE, SIG_IGN);

  // A plugin that crashed the last run is recorded there; its connector
  // stays FAILED (quarantined) until restarted (abi/crash_guard.h).
  std::string crashRecord = wc->stateDir + "/crashed-plugin";
  herder.loadQuarantine(wc->stateDir + "/quarantined-connectors");
  if (auto crash = runtime::readCrashRecord(crashRecord)) {
    SLUICE_LOG(kTag, log::Level::kError, "the last run crashed inside plugin " + crash->plugin + " (" + crash->hook +
                                             " of connector " + crash->connector + " task " + std::to_string(crash->task) +
                                             ", " + crash->signal + "): the connector is quarantined");
    herder.quarantine(crash->connector, crash->trace());
  }
  std::error_code removeError;
  std::filesystem::remove(crashRecord, removeError);
  runtime::installCrashGuard(crashRecord);

  herder.startStored();
  for (const auto& [name, cfg] : connectors) {
    bool created = false;
    auto existing = herder.configOf(name);
    config::ConfigMap want = cfg;
    want["name"] = name;
    if (existing && *existing == want) continue;  // already running as stored (or quarantined)
    auto r = herder.put(name, cfg, &created);
    if (!r) {
      std::fprintf(stderr, "sluice: connector %s: %s\n", name.c_str(), r.status().message().c_str());
      herder.shutdown();
      return 1;
    }
  }
  started = true;
  SLUICE_LOG(kTag, log::Level::kInfo, "sluice " SLUICE_VERSION " started");
  while (!gStop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  SLUICE_LOG(kTag, log::Level::kInfo, "stopping");
  stopping = true;
  herder.shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc raises its trim and mmap thresholds each time a large block is
  // freed, after which a thread's arena keeps what it freed: every REST
  // thread that served one large request (a 50,000-key validate body) held
  // ~7 MB for good, even after malloc_trim. Fixed thresholds let the REST
  // server's malloc_trim give it back (docs/operations.md).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 20);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") return usage(true);
  if (args[0] == "--version" || args[0] == "version") {
    // The libraries' versions as loaded at run time, not as compiled against.
    std::printf("sluice %s (commit %s, plugin ABI %d.%d; librdkafka %s, RocksDB %s)\n", SLUICE_VERSION, SLUICE_COMMIT,
                SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, rd_kafka_version_str(), rocksdb::GetRocksVersionAsString().c_str());
    return 0;
  }
  std::string savepoint;
  auto collect = [&](size_t from, std::vector<std::string>* dirs, std::vector<std::string>* rest,
                     std::vector<std::string>* flags) -> bool {
    for (size_t i = from; i < args.size(); ++i) {
      if (args[i] == "--plugin-path") {
        if (i + 1 >= args.size()) return false;
        dirs->push_back(args[++i]);
      } else if (args[i] == "--from-savepoint") {
        if (i + 1 >= args.size() || !savepoint.empty()) return false;
        savepoint = args[++i];
      } else if (args[i].starts_with("--")) {
        flags->push_back(args[i]);
      } else {
        rest->push_back(args[i]);
      }
    }
    return true;
  };
  std::vector<std::string> dirs, rest, flags;
  if (!collect(1, &dirs, &rest, &flags)) return usage();
  auto has = [&](const char* f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
  // A wrong command line says what is wrong before the usage.
  auto wrong = [](const std::string& why) {
    std::fprintf(stderr, "sluice: %s\n", why.c_str());
    return usage();
  };
  auto onlyFlags = [&](std::initializer_list<const char*> allowed) -> std::optional<std::string> {
    for (const auto& f : flags)
      if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return f == a; }) == allowed.end())
        return "unknown option '" + f + "' for '" + args[0] + "'";
    return std::nullopt;
  };
  if (args[0] == "plugins") {
    if (auto bad = onlyFlags({"--json"})) return wrong(*bad);
    if (!rest.empty()) return wrong("'plugins' takes no arguments, got '" + rest[0] + "'");
    return cmdPlugins(dirs, has("--json"));
  }
  if (args[0] == "describe") {
    if (auto bad = onlyFlags({"--json", "--markdown", "--worker"})) return wrong(*bad);
    if (has("--markdown") && has("--json")) return wrong("--markdown and --json exclude each other");
    if (has("--worker")) {
      if (!rest.empty() || !dirs.empty()) return wrong("'describe --worker' takes no plugin name or --plugin-path");
      return cmdDescribeWorker(has("--markdown"), has("--json"));
    }
    if (rest.size() != 1) return wrong("'describe' takes one plugin name");
    return cmdDescribe(rest[0], dirs, has("--markdown"), has("--json"));
  }
  if (args[0] == "run") {
    if (auto bad = onlyFlags({})) return wrong(*bad);
    if (rest.empty()) return wrong("'run' needs a worker config file");
    return cmdRun(rest[0], std::vector<std::string>(rest.begin() + 1, rest.end()), savepoint);
  }
  return wrong("unknown command '" + args[0] + "'");
}

#include "host/config/worker_config.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/config/providers.h"

namespace sluice::config {
namespace json = boost::json;

Result<WorkerConfig> WorkerConfig::parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status::invalid("worker config is not valid JSON: " + ec.message());
  if (!v.is_object()) return Status::invalid("worker config must be a JSON object");
  WorkerConfig w;
  for (const auto& kv : v.as_object()) {
    std::string key(kv.key());
    auto bad = [&](const std::string& why) { return Status::invalid("worker config '" + key + "': " + why); };
    if (key == "plugin.path") {
      if (kv.value().is_array()) {
        for (const auto& e : kv.value().as_array()) {
          if (!e.is_string()) return bad("must be a list of directory names");
          w.pluginPath.emplace_back(e.as_string());
        }
        continue;
      }
    }
    auto raw = jsonutil::configString(kv.value());
    if (!raw) return bad("must be a string, number or boolean");
    auto resolved = resolveValue(*raw);
    if (!resolved) return bad(resolved.status().message());
    const std::string& s = *resolved;
    auto asInt = [&](int64_t* out) -> Status {
      try {
        size_t used = 0;
        *out = std::stoll(s, &used);
        if (used != s.size() || *out < 0) return bad("must be a non-negative integer, got '" + s + "'");
      } catch (...) {
        return bad("must be a non-negative integer, got '" + s + "'");
      }
      return Status::ok();
    };
    if (key == "listeners") {
      w.listeners = s;
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
      if (w.checkpointRetain < 1) return bad("must be at least 1");
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
      if (!log::parseLevel(s, &l)) return bad("must be one of TRACE, DEBUG, INFO, WARN, ERROR");
      w.logLevel = s;
    } else if (key == "log.format") {
      if (s != "text" && s != "json") return bad("must be text or json");
      w.logJson = s == "json";
    } else if (key == "rest.advertised.host.name") {
      w.restAdvertisedName = s;
    } else {
      return Status::invalid("unknown worker config key '" + key + "'");
    }
  }
  if (!w.listeners.starts_with("http://"))
    return Status::invalid("worker config 'listeners': only http://HOST:PORT is supported, got '" + w.listeners + "'");
  return w;
}

Result<WorkerConfig> WorkerConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::notFound("cannot read worker config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse(ss.str());
  if (!r) return Status::invalid(path + ": " + r.status().message());
  return r;
}

std::string WorkerConfig::listenAddress() const {
  std::string s = listeners.substr(7);
  if (auto comma = s.find(','); comma != std::string::npos) s.resize(comma);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace sluice::config

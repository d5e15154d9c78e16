#include "host/common/log.h"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sluice::log {
namespace {

struct State {
  std::mutex mu;
  bool json = false;
  Level root = Level::kInfo;
  std::map<std::string, Level> levels;
};

State& state() {
  static State s;
  return s;
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Longest configured prefix of the logger name (dotted hierarchy) wins.
Level effective(const State& s, const std::string& logger) {
  std::string name = logger;
  while (true) {
    auto it = s.levels.find(name);
    if (it != s.levels.end()) return it->second;
    auto dot = name.rfind('.');
    if (dot == std::string::npos) return s.root;
    name.resize(dot);
  }
}

}  // namespace

const char* levelName(Level l) {
  switch (l) {
    case Level::kTrace: return "TRACE";
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
    case Level::kOff: return "OFF";
  }
  return "INFO";
}

bool parseLevel(std::string_view s, Level* out) {
  static const std::pair<const char*, Level> names[] = {
      {"TRACE", Level::kTrace}, {"DEBUG", Level::kDebug}, {"INFO", Level::kInfo},
      {"WARN", Level::kWarn},   {"ERROR", Level::kError}, {"OFF", Level::kOff},
      {"FATAL", Level::kError}};
  for (auto& [n, l] : names) {
    if (s.size() == std::char_traits<char>::length(n)) {
      bool eq = true;
      for (size_t i = 0; i < s.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(s[i])) != n[i]) eq = false;
      if (eq) {
        *out = l;
        return true;
      }
    }
  }
  return false;
}

void configure(bool json, Level rootLevel) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  s.json = json;
  s.root = rootLevel;
}

void setLevel(const std::string& logger, Level level) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  if (logger == "root") s.root = level; else s.levels[logger] = level;
}

Level levelOf(const std::string& logger) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  return logger == "root" ? s.root : effective(s, logger);
}

std::map<std::string, Level> levels() {
  auto& s = state();
  std::lock_guard lk(s.mu);
  auto out = s.levels;
  out["root"] = s.root;
  return out;
}

bool enabled(const Tag& tag, Level level) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  return level >= effective(s, tag.logger) && level != Level::kOff;
}

void write(const Tag& tag, Level level, std::string_view msg) {
  auto& s = state();
  std::string line;
  bool json;
  {
    std::lock_guard lk(s.mu);
    json = s.json;
  }
  if (json) {
    boost::json::object o;
    o["ts"] = timestamp();
    o["level"] = levelName(level);
    o["logger"] = tag.logger;
    if (!tag.connector.empty()) o["connector"] = tag.connector;
    if (tag.task >= 0) o["task"] = tag.task;
    o["msg"] = msg;
    line = boost::json::serialize(o);
  } else {
    line = timestamp() + " " + levelName(level) + " [" + tag.logger;
    if (!tag.connector.empty()) {
      line += " " + tag.connector;
      if (tag.task >= 0) line += "-" + std::to_string(tag.task);
    }
    line += "] ";
    line += msg;
  }
  line += '\n';
  std::lock_guard lk(s.mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sluice::log

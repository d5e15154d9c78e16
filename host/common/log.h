#pragma once
// Logging: levels per logger name, plain or one-JSON-object-per-line output,
// connector and task in every line that concerns one.

#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace sluice::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

const char* levelName(Level l);
bool parseLevel(std::string_view s, Level* out);

/// Where a line comes from: a logger name and, optionally, connector and task.
struct Tag {
  std::string logger;     // e.g. "sluice.runtime"
  std::string connector;  // empty when not about a connector
  int task = -1;          // -1 when not about a task
};

/// Configure output once at startup: json=true prints JSON lines.
void configure(bool json, Level rootLevel);
void setLevel(const std::string& logger, Level level);
Level levelOf(const std::string& logger);
/// Every logger that has an explicit level, plus "root".
std::map<std::string, Level> levels();
bool enabled(const Tag& tag, Level level);
void write(const Tag& tag, Level level, std::string_view msg);

}  // namespace sluice::log

#define SLUICE_LOG(tag, level, msg)                                          \
  do {                                                                       \
    if (::sluice::log::enabled((tag), (level))) ::sluice::log::write((tag), (level), (msg)); \
  } while (0)

#pragma once
// A plugin that crashes the process (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
// SIGABRT inside one of its hooks) is recorded, not just lost: the signal
// handler writes, with async-signal-safe calls only, which connector, task,
// plugin and hook it was to standard error (the log) and to a file in
// state.dir; the process then dies of the signal as it would have. The next
// start reads that file and quarantines the connector: it shows FAILED with
// that trace until it is restarted, and the other connectors run.

#include <optional>
#include <string>

namespace sluice::runtime {

/// What is running on this thread inside a plugin (set by PluginInstance).
/// The strings must outlive the call.
struct PluginCall {
  const char* connector;
  int task;
  const char* plugin;
  const char* file;
  const char* hook;
};

/// Marks the calling thread as inside `call` while it lives.
class PluginCallScope {
 public:
  explicit PluginCallScope(const PluginCall* call);
  ~PluginCallScope();
  PluginCallScope(const PluginCallScope&) = delete;
  PluginCallScope& operator=(const PluginCallScope&) = delete;

 private:
  const PluginCall* previous_;
};

/// Install the handlers; a crash record goes to `recordPath`.
void installCrashGuard(const std::string& recordPath);
/// Give the calling thread an alternate signal stack, so that a plugin that
/// overflows its stack is still recorded. Once per task thread; nothing
/// without installCrashGuard (test programs keep their sanitizers' setup).
void useAlternateSignalStack();

struct CrashRecord {
  std::string connector;
  int task = 0;
  std::string plugin, file, hook, signal;
  /// The FAILED trace the connector shows.
  std::string trace() const;
};

/// The record a crash left at `path`, if any (and what the file holds if it
/// cannot be read as one: nullopt).
std::optional<CrashRecord> readCrashRecord(const std::string& path);

}  // namespace sluice::runtime

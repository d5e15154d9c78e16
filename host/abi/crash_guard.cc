#include "host/abi/crash_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace sluice::runtime {
namespace {

thread_local const PluginCall* tCall = nullptr;
char gRecordPath[4096];
bool gInstalled = false;
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
struct sigaction gPrevious[sizeof kSignals / sizeof kSignals[0]];

// The thread's alternate signal stack, released (after it is switched off)
// when the thread ends.
struct AltStack {
  void* memory = nullptr;
  ~AltStack() {
    if (!memory) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
    std::free(memory);
  }
};
thread_local AltStack tAltStack;

const char* signalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
  }
  return "signal";
}

// Async-signal-safe text building: no allocation, no locale, no stdio.
struct Buf {
  char data[2048];
  size_t len = 0;
  void add(const char* s) {
    while (s && *s && len < sizeof data) data[len++] = *s++;
  }
  void addInt(int v) {
    char tmp[16];
    size_t n = 0;
    unsigned u = v < 0 ? static_cast<unsigned>(-v) : static_cast<unsigned>(v);
    do tmp[n++] = static_cast<char>('0' + u % 10);
    while ((u /= 10) && n < sizeof tmp);
    if (v < 0) add("-");
    while (n && len < sizeof data) data[len++] = tmp[--n];
  }
};

void writeAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void onFatalSignal(int sig, siginfo_t*, void*) {
  // The first fatal signal is the crash; a second one (a sanitizer's abort
  // after its report of the first, say) must not overwrite its record.
  static volatile sig_atomic_t fired = 0;
  const PluginCall* c = fired ? nullptr : tCall;
  fired = 1;
  if (c) {
    Buf line;
    line.add("ERROR [sluice.crash] ");
    line.add(signalName(sig));
    line.add(" in plugin ");
    line.add(c->plugin);
    line.add(" (");
    line.add(c->file);
    line.add("), in ");
    line.add(c->hook);
    line.add(" of connector ");
    line.add(c->connector);
    line.add(" task ");
    line.addInt(c->task);
    line.add(": the worker goes down; on its next start this connector stays FAILED until it is restarted\n");
    writeAll(STDERR_FILENO, line.data, line.len);
    if (gRecordPath[0]) {
      Buf rec;  // one field a line: connector, task, plugin, file, hook, signal
      rec.add(c->connector);
      rec.add("\n");
      rec.addInt(c->task);
      rec.add("\n");
      rec.add(c->plugin);
      rec.add("\n");
      rec.add(c->file);
      rec.add("\n");
      rec.add(c->hook);
      rec.add("\n");
      rec.add(signalName(sig));
      rec.add("\n");
      int fd = ::open(gRecordPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd >= 0) {
        writeAll(fd, rec.data, rec.len);
        ::fsync(fd);
        ::close(fd);
      }
    }
  }
  // Die of the signal as without this handler: the one before it (the
  // default, with its core dump, or a sanitizer's report) takes it again.
  for (size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i)
    if (kSignals[i] == sig) ::sigaction(sig, &gPrevious[i], nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
}

}  // namespace

PluginCallScope::PluginCallScope(const PluginCall* call) : previous_(tCall) { tCall = call; }
PluginCallScope::~PluginCallScope() { tCall = previous_; }

void installCrashGuard(const std::string& recordPath) {
  std::strncpy(gRecordPath, recordPath.c_str(), sizeof gRecordPath - 1);
  gInstalled = true;
  useAlternateSignalStack();
  for (size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i) {
    struct sigaction sa {};
    sa.sa_sigaction = &onFatalSignal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(kSignals[i], &sa, &gPrevious[i]);
  }
}

void useAlternateSignalStack() {
  static constexpr size_t kSize = 64 * 1024;
  if (!gInstalled || tAltStack.memory) return;
  stack_t ss{};
  ss.ss_sp = std::malloc(kSize);
  if (!ss.ss_sp) return;
  ss.ss_size = kSize;
  if (::sigaltstack(&ss, nullptr) != 0) {
    std::free(ss.ss_sp);
    return;
  }
  tAltStack.memory = ss.ss_sp;
}

std::string CrashRecord::trace() const {
  return "the worker crashed with " + signal + " inside plugin " + plugin + " (" + file + "), in " + hook + " of task " +
         std::to_string(task) + "; the connector is quarantined: fix or replace the plugin, then restart it "
         "(POST /connectors/" + connector + "/restart)";
}

std::optional<CrashRecord> readCrashRecord(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::vector<std::string> f;
  for (std::string line; std::getline(in, line);) f.push_back(line);
  if (f.size() < 6 || f[0].empty()) return std::nullopt;
  CrashRecord r;
  r.connector = f[0];
  r.task = std::atoi(f[1].c_str());
  r.plugin = f[2];
  r.file = f[3];
  r.hook = f[4];
  r.signal = f[5];
  return r;
}

}  // namespace sluice::runtime

#pragma once
// Helpers shared by the tests: waiting on conditions with deadlines, a tiny
// HTTP/1.1 client, temporary directories, and spawning the real sluice binary.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sluice::test {

/// Poll `cond` every 20 ms until it holds or `timeout` passes.
bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

/// One request on a fresh connection to 127.0.0.1:port. status 0 = no connection.
HttpResponse http(int port, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& contentType = "application/json",
                  const std::map<std::string, std::string>& headers = {});

/// Send `raw` (a whole HTTP/1.1 request as text, possibly without its body)
/// on a fresh connection and read the answer until the server closes.
HttpResponse httpRaw(int port, const std::string& raw);

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout (and stderr, if the command redirects it)
};

/// Run a shell command and wait for it (give it its own timeout, e.g. curl --max-time).
CommandResult runCommand(const std::string& command);

/// `s` quoted for a POSIX shell.
std::string shellQuote(const std::string& s);

/// A directory removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Write a file, creating its parent directories.
void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);
std::vector<std::string> readLines(const std::string& path);

/// A free TCP port on 127.0.0.1 (bound and released).
int freePort();

/// The real sluice binary as a child process, with stdout/stderr to a log file.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& cwd, const std::string& logPath);
  ~Process();
  /// Send a signal and wait (bounded) for exit; returns the exit status or -1.
  int stop(int signal, std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

/// The broker the integration tests use: $SLUICE_TEST_BOOTSTRAP, or the
/// default of scripts/kafka.sh.
std::string kafkaBootstrap();

/// Paths of the build tree (set by CMake as compile definitions).
std::string buildDir();
std::string sourceDir();
std::string pluginDir();
std::string sluiceBinary();

}  // namespace sluice::test

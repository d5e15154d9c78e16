#pragma once
// The worker config: a flat JSON object, or a Java .properties file, with
// Kafka Connect's key names.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "host/common/status.h"
#include "host/config/options.h"

namespace sluice::config {

// Worker keys the REST layer names in its own startup errors.
inline constexpr const char* kTlsCertificateKey = "listeners.https.ssl.certificate.location";
inline constexpr const char* kTlsKeyKey = "listeners.https.ssl.key.location";
inline constexpr const char* kTlsKeyPasswordKey = "listeners.https.ssl.key.password";

/// One entry of `listeners`: http://HOST:PORT or https://HOST:PORT.
struct Listener {
  bool tls = false;
  std::string host;  // empty: every interface (as in Kafka Connect)
  int port = 0;      // 0: any free port (tests)
  std::string url() const;
};

/// What a REST client may do once authenticated.
enum class Role { kRead, kAdmin };
const char* roleName(Role r);

/// A bearer token (`rest.auth.tokens`) or a basic-auth user
/// (`rest.auth.users`). `name` is what logs show; `secret` is never logged.
struct Credential {
  std::string name;    // the token's name, or the user name
  std::string secret;  // the token, or the user's password (providers resolved)
  Role role = Role::kRead;
};

/// The REST server's listeners and its security settings.
struct RestConfig {
  std::vector<Listener> listeners{Listener{false, "127.0.0.1", 8083}};
  std::string tlsCertificateLocation;  // PEM: the certificate, then its chain
  std::string tlsKeyLocation;          // PEM: the private key
  std::string tlsKeyPassword;          // for an encrypted key; secret
  std::vector<Credential> tokens;
  std::vector<Credential> users;
  bool metricsAnonymous = false;  // /metrics without credentials even when auth is on
  std::vector<std::string> corsAllowOrigins;  // empty: CORS off
  std::vector<std::string> corsAllowMethods{"GET", "POST", "HEAD"};
  int64_t maxRequestBytes = 1024 * 1024;
  // A connection holds a REST thread while it sends its request (idle or
  // slow clients included); so there are many threads, each cheap, and a
  // request that takes longer than the timeout to arrive is cut.
  int64_t threads = 128;
  int64_t requestTimeoutMs = 10000;

  bool authEnabled() const { return !tokens.empty() || !users.empty(); }
  bool tlsEnabled() const;
};

struct WorkerConfig {
  RestConfig rest;
  std::vector<std::string> pluginPath;  // empty: the built-in plugin directory
  std::string stateDir = "sluice-state";
  std::string bootstrapServers;  // empty: embedded mock cluster
  std::map<std::string, std::string> producerOverrides;
  std::map<std::string, std::string> consumerOverrides;
  std::map<std::string, std::string> adminOverrides;
  int64_t offsetFlushIntervalMs = 5000;  // commits when checkpoints are off
  int64_t checkpointIntervalMs = 5000;   // 0: no checkpoint history
  int64_t checkpointRetain = 100;
  int64_t checkpointRetainMs = 24 * 3600 * 1000LL;
  std::string savepointsDir;  // empty: "<state.dir>.savepoints"
  int64_t taskShutdownTimeoutMs = 5000;
  int64_t shutdownDrainMs = 10000;  // embedded only: let sinks drain before stopping
  std::string logLevel = "INFO";
  bool logJson = false;
  std::string restAdvertisedName;  // worker_id shown in statuses; default host:port
  /// key.converter, value.converter, header.converter and their sub-keys:
  /// defaults for every connector that does not set them (as in Connect).
  std::map<std::string, std::string> connectorDefaults;
  /// Kafka Connect worker keys given that Sluice has no use for, each with
  /// what Sluice does instead (logged once at startup).
  std::vector<std::pair<std::string, std::string>> ignoredConnectKeys;

  /// Parse a JSON object; unknown keys and bad values are errors naming the key.
  static Result<WorkerConfig> parse(const std::string& json);
  /// A .properties file (as connect-standalone takes it) or a JSON one.
  static Result<WorkerConfig> load(const std::string& path);
  /// host:port of the first listener.
  std::string listenAddress() const;
};

/// Parse a `listeners` value (comma-separated URLs). Errors name the entry.
Result<std::vector<Listener>> parseListeners(const std::string& value);

/// The worker keys Sluice uses, as an option table (`sluice describe
/// --worker`, the tables in docs/configuration.md): the general ones, or
/// those of the REST server's security.
OptionTable workerOptionTable(bool restSecurity);

}  // namespace sluice::config

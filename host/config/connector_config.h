#pragma once
// Connector configs in Kafka Connect's shape: validation against the host's
// own keys, the connector plugin's option table and each transform's and
// predicate's table, producing a plan the runtime executes.

#include <sluice/plugin.h>

#include <map>
#include <string>
#include <vector>

#include "host/config/options.h"
#include "host/loader/registry.h"

namespace sluice::config {

using ConfigMap = std::map<std::string, std::string>;

struct PredicateSpec {
  std::string alias;
  const loader::Plugin* plugin = nullptr;
  ConfigMap config;  // validated, defaults applied
};

struct TransformSpec {
  std::string alias;
  const loader::Plugin* plugin = nullptr;
  sluice_variant variant = SLUICE_VARIANT_NONE;
  ConfigMap config;
  std::string predicate;  // alias into ConnectorPlan::predicates, or empty
  bool negate = false;
};

/// Everything the runtime needs to run a connector, resolved and validated.
struct ConnectorPlan {
  std::string name;
  const loader::Plugin* plugin = nullptr;
  ConfigMap pluginConfig;  // the plugin's own options, defaults applied
  ConfigMap hostConfig;    // host keys, defaults applied
  int tasksMax = 1;
  int taskCount = 1;  // tasks.max capped by the plugin's max_tasks
  std::vector<std::string> topics;
  std::string topicsRegex;
  std::string defaultTopic;  // sources: the plugin's `topic` option, if any
  std::string keyConverter;
  std::string valueConverter;
  std::vector<TransformSpec> transforms;
  std::vector<PredicateSpec> predicates;
  bool toleranceAll = false;
  bool errorsLogEnable = false;
  bool errorsLogIncludeMessages = false;
  int topicCreationPartitions = -1;
  int topicCreationReplicationFactor = -1;
  int64_t offsetFlushIntervalMs = -1;  // -1: the worker's
  int64_t checkpointIntervalMs = -1;   // -1: the worker's; 0: no history
  int64_t checkpointRetain = -1;       // -1: the worker's
  int64_t checkpointRetainMs = -1;     // -1: the worker's
  int64_t retryTimeoutMs = 0;          // <= 0: retry forever
  int64_t retryDelayMaxMs = 60000;
  std::string dlqTopic;                // empty: no dead letter queue
  int dlqReplicationFactor = -1;
  bool dlqContextHeaders = false;
  int breakerThreshold = 0;            // 0: no circuit breaker
  int64_t breakerOpenMs = 30000;
  double rateLimit = 0;                // records/s for the whole connector; 0: none
  bool autoRestart = false;
  int64_t restartBackoffMs = 1000;
  int64_t restartBackoffMaxMs = 60000;
  std::string watermarkField;          // empty: the record timestamp
  int64_t watermarkLatenessMs = 0;

  bool isSource() const { return plugin && plugin->kind == SLUICE_KIND_SOURCE; }
  bool isSink() const { return plugin && plugin->kind == SLUICE_KIND_SINK; }
};

struct ValidationResult {
  ConnectorPlan plan;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
  /// Kafka Connect's 400 message listing every error.
  std::string message() const;
};

/// The host's own connector keys (name, connector.class, tasks.max, ...).
const OptionTable& hostConnectorOptions();

/// Validate a connector config. `resolveProviders` resolves ${env:...} and
/// ${file:...} first (off for a dry validation of stored configs is never
/// needed; on always in practice, kept explicit for tests).
/// `defaults` (the worker's key.converter, value.converter, ...) apply to
/// the keys the config does not set.
ValidationResult validateConnector(const loader::Registry& registry, const std::string& name,
                                   const ConfigMap& raw, bool resolveProviders = true,
                                   const ConfigMap& defaults = {});

/// The secret options a connector config sets: keys whose option (in the
/// connector plugin's table, or a transform's or predicate's, by full key) is
/// a password or marked secret. Providers are not resolved.
std::map<std::string, const OptionDef*> secretOptions(const loader::Registry& registry, const ConfigMap& cfg);

/// `cfg` as the REST API shows it: every secret value replaced by "[hidden]"
/// unless it is only config-provider references (see shownValue()).
ConfigMap redactSecrets(const loader::Registry& registry, const ConfigMap& cfg);

}  // namespace sluice::config

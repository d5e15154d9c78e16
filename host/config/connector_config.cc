#include "host/config/connector_config.h"

#include <regex>
#include <set>

#include "host/common/strings.h"
#include "host/config/providers.h"
#include "host/record/converter.h"

namespace sluice::config {
namespace {

OptionDef opt(std::string name, std::string type, std::optional<std::string> def, std::string doc,
              bool required = false, std::vector<std::string> allowed = {},
              std::optional<double> min = std::nullopt) {
  OptionDef d = hostOption(std::move(name), std::move(type), std::move(def), std::move(doc), std::move(allowed), min);
  d.required = required;
  return d;
}

bool isHostKey(const std::string& k) {
  return findOption(hostConnectorOptions(), k) != nullptr;
}

// Validate one transform or predicate stage's keys (`prefix` = "transforms.a.").
template <class Spec>
void validateStage(const loader::Registry& reg, const ConfigMap& cfg, const std::string& prefix,
                   bool isTransform, Spec* spec, std::vector<ConfigError>* errors) {
  ConfigMap own;
  std::string type;
  for (const auto& [k, v] : cfg) {
    if (!k.starts_with(prefix)) continue;
    std::string sub = k.substr(prefix.size());
    if (sub == "type") type = v;
    else if (isTransform && (sub == "predicate" || sub == "negate")) continue;
    else own[sub] = v;
  }
  if (type.empty()) {
    errors->push_back({prefix + "type", "Missing required configuration \"" + prefix + "type\" which has no default value."});
    return;
  }
  sluice_variant variant = SLUICE_VARIANT_NONE;
  const loader::Plugin* p = isTransform ? reg.findTransform(type, &variant) : reg.find(type);
  int32_t wantKind = isTransform ? SLUICE_KIND_TRANSFORM : SLUICE_KIND_PREDICATE;
  if (!p || p->kind != wantKind) {
    errors->push_back({prefix + "type", "Invalid value " + type + " for configuration " + prefix +
                                            "type: no " + (isTransform ? "transformation" : "predicate") +
                                            " plugin of that name is installed"});
    return;
  }
  spec->plugin = p;
  if constexpr (std::is_same_v<Spec, TransformSpec>) spec->variant = variant;
  validateAgainst(p->options, own, prefix, errors, &spec->config);
}

}  // namespace

const OptionTable& hostConnectorOptions() {
  static const OptionTable table = {
      opt("name", "string", std::nullopt, "Globally unique name of the connector."),
      opt("connector.class", "class", std::nullopt, "Name, alias or Kafka Connect class name of the connector plugin.", true),
      opt("tasks.max", "int", "1", "Maximum number of tasks to run for this connector.", false, {}, 1),
      opt("topics", "list", std::nullopt, "Sinks: comma-separated topics to consume."),
      opt("topics.regex", "string", std::nullopt, "Sinks: regular expression of topics to consume."),
      opt("key.converter", "class", "string", "Converter of record keys: json, string or bytearray (or the Kafka Connect class name)."),
      opt("value.converter", "class", "json", "Converter of record values: json, string or bytearray (or the Kafka Connect class name)."),
      opt("key.converter.schemas.enable", "boolean", "false", "Only false is supported: keys are plain JSON."),
      opt("value.converter.schemas.enable", "boolean", "false", "Only false is supported: values are plain JSON."),
      opt("header.converter", "class", "string", "Header converter; headers are carried as bytes."),
      opt("transforms", "list", "", "Aliases of the transformations to apply, in order."),
      opt("predicates", "list", "", "Aliases of the predicates used by transformations."),
      opt("errors.tolerance", "string", "none", "none: a record that fails conversion or transformation fails the task; all: skip it (into the dead letter queue when one is set).", false, {"none", "all"}),
      opt("errors.log.enable", "boolean", "false", "Log each record skipped under errors.tolerance=all."),
      opt("errors.log.include.messages", "boolean", "false", "Include the record's topic, partition, offset and key in those logs."),
      opt("errors.retry.timeout", "long", "0", "How long (ms) a retriable failure of a sink put or a source poll is retried before it counts as a failure; 0 or -1: forever (the sink's partitions stay paused meanwhile, Kafka Connect's behaviour for put).", false, {}, -1),
      opt("errors.retry.delay.max.ms", "long", "60000", "Longest wait between retries; waits grow exponentially from 50 ms with jitter.", false, {}, 1),
      opt("errors.deadletterqueue.topic.name", "string", "", "Topic for records that fail conversion, transformation, production or (reported by the sink) delivery, with errors.tolerance=all. Sources too, unlike Kafka Connect."),
      opt("errors.deadletterqueue.topic.replication.factor", "int", "-1", "Replication factor of the dead letter queue topic when it is created (-1: broker default).", false, {}, -1),
      opt("errors.deadletterqueue.context.headers.enable", "boolean", "false", "Add __connect.errors.* headers (topic, partition, offset, connector, task, stage, class, exception) to dead letter records."),
      opt("errors.breaker.failure.threshold", "int", "0", "Sinks: open the circuit breaker after this many consecutive failed puts (0: no breaker). While open, no put is attempted and partitions stay paused.", false, {}, 0),
      opt("errors.breaker.open.ms", "long", "30000", "How long the breaker stays open before one trial put (half-open).", false, {}, 1),
      opt("rate.limit.records.per.second", "double", "0", "Token-bucket limit on the records the connector's tasks together produce (sources) or put (sinks); 0: no limit.", false, {}, 0),
      opt("task.restart.auto", "boolean", "false", "Restart FAILED tasks automatically, with exponential backoff (Kafka Connect leaves them failed).", false),
      opt("task.restart.backoff.ms", "long", "1000", "First wait before an automatic restart; doubles per consecutive failure.", false, {}, 1),
      opt("task.restart.backoff.max.ms", "long", "60000", "Longest wait between automatic restarts.", false, {}, 1),
      opt("topic.creation.default.partitions", "int", "-1", "Sources: partitions of topics the connector creates (-1: broker default).", false, {}, -1),
      opt("topic.creation.default.replication.factor", "int", "-1", "Sources: replication factor of created topics (-1: broker default).", false, {}, -1),
      opt("offset.flush.interval.ms", "long", std::nullopt, "Override of the worker's offset commit interval; used only when checkpoint.interval.ms is 0.", false, {}, 1),
      opt("checkpoint.interval.ms", "long", std::nullopt, "Override of the worker's checkpoint interval: offsets and operator state are committed together at each checkpoint; 0 turns the checkpoint history off (commits then follow offset.flush.interval.ms).", false, {}, 0),
      opt("checkpoint.retain", "int", std::nullopt, "Override of the worker's number of checkpoints kept in the history.", false, {}, 1),
      opt("checkpoint.retain.ms", "long", std::nullopt, "Override of the worker's maximum age of kept checkpoints (the newest is always kept).", false, {}, 0),
      opt("watermark.event.time.field", "string", "", "Value field (dotted path) holding the event time in ms; empty: the record timestamp."),
      opt("watermark.allowed.lateness.ms", "long", "0", "The task watermark is the largest event time seen minus this.", false, {}, 0),
  };
  return table;
}

std::string ValidationResult::message() const {
  std::string m = "Connector configuration is invalid and contains the following " +
                  std::to_string(errors.size()) + " error(s):";
  for (const auto& e : errors) m += "\n" + e.message;
  return m;
}

ValidationResult validateConnector(const loader::Registry& reg, const std::string& name,
                                   const ConfigMap& given, bool resolveProviders, const ConfigMap& defaults) {
  ValidationResult res;
  auto& plan = res.plan;
  auto& errors = res.errors;
  plan.name = name;

  ConfigMap withDefaults;
  if (!defaults.empty()) {
    withDefaults = given;
    for (const auto& [k, v] : defaults) withDefaults.emplace(k, v);
  }
  const ConfigMap& raw = defaults.empty() ? given : withDefaults;
  ConfigMap cfg;
  for (const auto& [k, v] : raw) {
    if (!resolveProviders) {
      cfg[k] = v;
      continue;
    }
    auto r = resolveValue(v);
    if (!r) errors.push_back({k, "Invalid value for configuration " + k + ": " + r.status().message()});
    else cfg[k] = *r;
  }
  if (name.empty()) errors.push_back({"name", "Connector name must not be empty"});
  if (auto it = cfg.find("name"); it != cfg.end() && it->second != name)
    errors.push_back({"name", "Connector name in config (" + it->second + ") does not match the connector name (" + name + ")"});

  // Partition keys: host keys, transforms.*, predicates.*, the plugin's own.
  ConfigMap hostKeys, pluginKeys;
  for (const auto& [k, v] : cfg) {
    if (isHostKey(k)) hostKeys[k] = v;
    else if (!k.starts_with("transforms.") && !k.starts_with("predicates.")) pluginKeys[k] = v;
  }
  validateAgainst(hostConnectorOptions(), hostKeys, "", &errors, &plan.hostConfig);
  auto host = [&](const char* k) { return plan.hostConfig.count(k) ? plan.hostConfig.at(k) : std::string(); };

  const std::string cls = host("connector.class");
  if (!cls.empty()) {
    plan.plugin = reg.find(cls);
    if (!plan.plugin || (plan.plugin->kind != SLUICE_KIND_SOURCE && plan.plugin->kind != SLUICE_KIND_SINK)) {
      errors.push_back({"connector.class", "Failed to find any class that implements Connector and which name matches " + cls});
      plan.plugin = nullptr;
    }
  }
  if (plan.plugin) {
    validateAgainst(plan.plugin->options, pluginKeys, "", &errors, &plan.pluginConfig);
    if (auto it = plan.pluginConfig.find("topic"); it != plan.pluginConfig.end()) plan.defaultTopic = it->second;
  } else {
    // Without a plugin we cannot tell which keys are valid; say nothing more.
  }

  for (const char* k : {"key.converter", "value.converter"}) {
    if (!host(k).empty() && !runtime::isKnownConverter(host(k)))
      errors.push_back({k, "Invalid value " + host(k) + " for configuration " + k + ": unknown converter (use json, string or bytearray)"});
  }
  for (const char* k : {"key.converter.schemas.enable", "value.converter.schemas.enable"})
    if (host(k) == "true")
      errors.push_back({k, std::string("Invalid value true for configuration ") + k + ": schemas are not supported yet; use false" +
                               (!given.count(k) && defaults.count(k) ? " (the value comes from the worker config, as every connector's default)" : "")});
  plan.keyConverter = host("key.converter");
  plan.valueConverter = host("value.converter");
  plan.tasksMax = std::max(1, std::atoi(host("tasks.max").c_str()));
  plan.taskCount = plan.tasksMax;
  if (plan.plugin && plan.plugin->maxTasks > 0)
    plan.taskCount = std::min<int>(plan.tasksMax, static_cast<int>(plan.plugin->maxTasks));
  plan.toleranceAll = host("errors.tolerance") == "all";
  plan.errorsLogEnable = host("errors.log.enable") == "true";
  plan.errorsLogIncludeMessages = host("errors.log.include.messages") == "true";
  plan.topicCreationPartitions = std::atoi(host("topic.creation.default.partitions").c_str());
  plan.topicCreationReplicationFactor = std::atoi(host("topic.creation.default.replication.factor").c_str());
  if (!host("offset.flush.interval.ms").empty()) plan.offsetFlushIntervalMs = std::stoll(host("offset.flush.interval.ms"));
  if (!host("checkpoint.interval.ms").empty()) plan.checkpointIntervalMs = std::stoll(host("checkpoint.interval.ms"));
  if (!host("checkpoint.retain").empty()) plan.checkpointRetain = std::stoll(host("checkpoint.retain"));
  if (!host("checkpoint.retain.ms").empty()) plan.checkpointRetainMs = std::stoll(host("checkpoint.retain.ms"));
  plan.retryTimeoutMs = std::stoll(host("errors.retry.timeout"));
  plan.retryDelayMaxMs = std::stoll(host("errors.retry.delay.max.ms"));
  plan.dlqTopic = host("errors.deadletterqueue.topic.name");
  plan.dlqReplicationFactor = std::atoi(host("errors.deadletterqueue.topic.replication.factor").c_str());
  plan.dlqContextHeaders = host("errors.deadletterqueue.context.headers.enable") == "true";
  plan.breakerThreshold = std::atoi(host("errors.breaker.failure.threshold").c_str());
  plan.breakerOpenMs = std::stoll(host("errors.breaker.open.ms"));
  plan.rateLimit = std::stod(host("rate.limit.records.per.second"));
  plan.autoRestart = host("task.restart.auto") == "true";
  plan.restartBackoffMs = std::stoll(host("task.restart.backoff.ms"));
  plan.restartBackoffMaxMs = std::stoll(host("task.restart.backoff.max.ms"));
  plan.watermarkField = host("watermark.event.time.field");
  plan.watermarkLatenessMs = std::stoll(host("watermark.allowed.lateness.ms"));

  plan.topics = strings::splitList(host("topics"));
  plan.topicsRegex = host("topics.regex");
  if (plan.isSink()) {
    // As Connect (SinkConnectorConfig.validate): the error is on both keys.
    for (const char* key : {"topics", "topics.regex"}) {
      if (plan.topics.empty() && plan.topicsRegex.empty())
        errors.push_back({key, "Must configure one of topics or topics.regex"});
      if (!plan.topics.empty() && !plan.topicsRegex.empty())
        errors.push_back({key, "topics and topics.regex are mutually exclusive options, but both are set."});
    }
    if (!plan.topicsRegex.empty()) {
      try {
        std::regex re(plan.topicsRegex);
      } catch (const std::regex_error& e) {
        errors.push_back({"topics.regex", "Invalid value " + plan.topicsRegex + " for configuration topics.regex: " + e.what()});
      }
    }
  } else if (plan.isSource()) {
    if (!plan.topics.empty() || !plan.topicsRegex.empty())
      errors.push_back({plan.topics.empty() ? "topics.regex" : "topics", "Source connectors do not consume topics; set the plugin's own topic option instead"});
  }

  // Predicates, then transforms (which refer to them).
  std::set<std::string> predicateAliases;
  for (const auto& alias : strings::splitList(host("predicates"))) {
    if (!predicateAliases.insert(alias).second) {
      errors.push_back({"predicates", "Duplicate alias provided: " + alias});
      continue;
    }
    PredicateSpec spec;
    spec.alias = alias;
    validateStage(reg, cfg, "predicates." + alias + ".", false, &spec, &errors);
    plan.predicates.push_back(std::move(spec));
  }
  std::set<std::string> transformAliases;
  for (const auto& alias : strings::splitList(host("transforms"))) {
    if (!transformAliases.insert(alias).second) {
      errors.push_back({"transforms", "Duplicate alias provided: " + alias});
      continue;
    }
    TransformSpec spec;
    spec.alias = alias;
    std::string prefix = "transforms." + alias + ".";
    validateStage(reg, cfg, prefix, true, &spec, &errors);
    if (auto it = cfg.find(prefix + "predicate"); it != cfg.end() && !it->second.empty()) {
      if (!predicateAliases.count(it->second))
        errors.push_back({prefix + "predicate", "Invalid value " + it->second + " for configuration " + prefix + "predicate: no predicate with that alias is defined in 'predicates'"});
      spec.predicate = it->second;
    }
    if (auto it = cfg.find(prefix + "negate"); it != cfg.end()) {
      if (it->second != "true" && it->second != "false")
        errors.push_back({prefix + "negate", "Invalid value " + it->second + " for configuration " + prefix + "negate: Expected value to be either true or false"});
      else if (spec.predicate.empty() && it->second == "true")
        errors.push_back({prefix + "negate", prefix + "negate is set but " + prefix + "predicate is not"});
      spec.negate = it->second == "true";
    }
    plan.transforms.push_back(std::move(spec));
  }
  // Keys under transforms./predicates. whose alias is not declared.
  for (const auto& [k, v] : cfg) {
    for (auto [prefix, aliases] : {std::pair{std::string("transforms."), &transformAliases},
                                   std::pair{std::string("predicates."), &predicateAliases}}) {
      if (!k.starts_with(prefix)) continue;
      std::string rest = k.substr(prefix.size());
      std::string alias = rest.substr(0, rest.find('.'));
      if (!aliases->count(alias) || rest.find('.') == std::string::npos)
        errors.push_back({k, "Unknown configuration '" + k + "': alias '" + alias + "' is not listed in '" + prefix.substr(0, prefix.size() - 1) + "'"});
    }
  }
  return res;
}

std::map<std::string, const OptionDef*> secretOptions(const loader::Registry& reg, const ConfigMap& cfg) {
  // The plan tells which plugin each key belongs to, even for an invalid config.
  auto it = cfg.find("name");
  auto plan = validateConnector(reg, it == cfg.end() ? "" : it->second, cfg, /*resolveProviders=*/false).plan;
  std::map<std::string, const OptionDef*> out;
  auto collect = [&](const loader::Plugin* p, const std::string& prefix) {
    if (!p) return;
    for (const auto& d : p->options)
      if (d.secret() && cfg.count(prefix + d.name)) out[prefix + d.name] = &d;
  };
  collect(plan.plugin, "");
  for (const auto& t : plan.transforms) collect(t.plugin, "transforms." + t.alias + ".");
  for (const auto& p : plan.predicates) collect(p.plugin, "predicates." + p.alias + ".");
  return out;
}

ConfigMap redactSecrets(const loader::Registry& reg, const ConfigMap& cfg) {
  ConfigMap out = cfg;
  for (const auto& [key, def] : secretOptions(reg, cfg)) out[key] = shownValue(*def, cfg.at(key));
  return out;
}

}  // namespace sluice::config

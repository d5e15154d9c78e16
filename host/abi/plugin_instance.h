#pragma once
// One live instance of a plugin: its host-side context (the sluice_ctx of the
// C ABI), and typed wrappers around its hooks that turn C status codes and
// host-owned error strings into Status.

#include <sluice/plugin.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/abi/crash_guard.h"
#include "host/common/log.h"
#include "host/common/status.h"
#include "host/loader/registry.h"
#include "host/pipeline/state_buffer.h"
#include "host/record/record.h"

namespace sluice::runtime {

/// The host side of a plugin instance; handed to the plugin as sluice_ctx*.
struct InstanceContext {
  log::Tag tag;
  std::string connectorName;
  std::map<std::string, std::string> config;  // validated, defaults applied
  std::string lastError;
  /// Reads a committed source offset by canonical partition JSON (sources).
  std::function<std::optional<std::string>(const std::string&)> offsetReader;
  std::string offsetScratch;
  /// Operator state: the task's buffer and this instance's key prefix
  /// (task, instance name). Null when the instance runs outside a task.
  StateBuffer* state = nullptr;
  std::string stateScope;
  /// The task's event-time watermark (INT64_MIN before any record).
  const int64_t* watermark = nullptr;
  /// Sinks: the errant record reporter of the current put; an error fails
  /// the put (the plugin is answered SLUICE_FATAL).
  std::function<Status(const sluice_record*, std::string)> errantReporter;
  /// Set when the host answers one of the plugin's calls with SLUICE_FATAL:
  /// the hook running then (or the next one) fails with this message,
  /// whatever the plugin returns, so a plugin that ignores the answer cannot
  /// carry on as if the call had worked.
  std::string fault;
  /// The plugin's kind (sluice_kind), and whether on_create is running.
  int32_t kind = 0;
  bool creating = false;
  /// Whether this instance's values are text: the descriptor's
  /// SLUICE_FLAG_TEXT_VALUES, or what on_create set (host_set_text_values).
  bool textValues = false;
};

/// Where a source's host_emit puts records (sluice_emitter).
struct EmitTarget {
  std::vector<Record>* out = nullptr;
  const std::string* defaultTopic = nullptr;
  RecordContext* rctx = nullptr;
  /// The value converter, for a plugin whose values are text
  /// (SLUICE_FLAG_TEXT_VALUES) when text and bytes differ; else null.
  const Converter* textValues = nullptr;
  size_t refused = 0;
  std::string lastRefusal;
  // Sources emit the same partition JSON over and over: canonicalize once,
  // and keep every canonical form once (Record::sourcePartition points here).
  std::string partitionRaw;
  const std::string* partitionCanonical = nullptr;
  std::set<std::string> partitions;
};

/// The records a transform or predicate sees (sluice_batch).
struct BatchView {
  std::vector<Record*> records;
  /// Records a transform added (host_batch_emit); they join after the hook.
  std::vector<Record> emitted;
  RecordContext* rctx = nullptr;
  /// As InstanceContext::fault, for calls on the batch (host_batch_emit).
  std::string fault;
};

class PluginInstance {
 public:
  struct Args {
    std::string connectorName;
    int taskId = 0;
    int taskCount = 1;
    sluice_variant variant = SLUICE_VARIANT_NONE;
    std::map<std::string, std::string> config;
    std::function<std::optional<std::string>(const std::string&)> offsetReader;
    std::string logger = "sluice.plugin";
    StateBuffer* state = nullptr;
    std::string instanceName;  // state scope within the task: "connector" or a transform alias
    const int64_t* watermark = nullptr;
  };

  /// Create (on_create); the config must already be validated.
  static Result<std::unique_ptr<PluginInstance>> create(const loader::Plugin* plugin, Args args);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const loader::Plugin& plugin() const { return *plugin_; }
  /// Sources and sinks: whether the values are text (SLUICE_FLAG_TEXT_VALUES,
  /// or what on_create chose).
  bool textValues() const { return ctx_->textValues; }

  Status start();
  Status stop();
  Status poll(EmitTarget& out, uint32_t maxRecords, uint32_t timeoutMs);
  Status put(const std::vector<const sluice_record*>& records);
  /// Sinks: who hears about records the plugin reports as errant.
  void setErrantReporter(std::function<Status(const sluice_record*, std::string)> f) {
    ctx_->errantReporter = std::move(f);
  }
  Status flush();
  /// Sources (ABI 1.2): whether the plugin wants on_commit_record calls.
  bool wantsCommitRecord() const { return plugin_->desc.on_commit_record != nullptr && !stopped_; }
  Status commitRecord(const sluice_record& rec);
  Status apply(BatchView& batch);
  Status test(BatchView& batch, uint8_t* results);

 private:
  PluginInstance(const loader::Plugin* plugin, std::unique_ptr<InstanceContext> ctx)
      : plugin_(plugin), ctx_(std::move(ctx)) {}
  /// The hook's result as a Status; a fault the host raised during the
  /// hook (`batchFault`, or the context's) makes it fatal.
  Status check(sluice_status s, const char* hook, std::string* batchFault = nullptr);

  /// Marks the thread as inside `hook` of this instance (see crash_guard.h).
  PluginCallScope enter(const char* hook) {
    call_.hook = hook;
    return PluginCallScope(&call_);
  }

  const loader::Plugin* plugin_;
  std::unique_ptr<InstanceContext> ctx_;
  PluginCall call_{};
  sluice_instance* self_ = nullptr;
  bool stopped_ = true;
};

}  // namespace sluice::runtime

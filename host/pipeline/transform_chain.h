#pragma once
// The transform chain of a task: transforms in order, each optionally guarded
// by a predicate (with negate). Each stage gets the batch once; a record's key
// and value documents are shared by every stage, so they are parsed at most
// once per pass.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "host/abi/plugin_instance.h"
#include "host/config/connector_config.h"

namespace sluice::runtime {

/// What the stages of one task share: operator state, the task's watermark,
/// and the record context of records they create. All optional.
struct TaskHooks {
  StateBuffer* state = nullptr;
  const int64_t* watermark = nullptr;
  RecordContext* rctx = nullptr;
};

class TransformChain {
 public:
  static Result<std::unique_ptr<TransformChain>> create(const config::ConnectorPlan& plan, int taskId,
                                                        TaskHooks hooks = {});

  bool empty() const { return stages_.empty(); }
  /// Apply every stage to `records`. Records a stage drops stay in the vector
  /// with `dropped` set (a source still has to commit their offsets); records
  /// a stage creates are appended. On error the batch is left partially
  /// transformed and the error names the stage.
  Status apply(std::vector<Record>& records);
  /// Apply to each record on its own; a record a stage refuses is reported
  /// to `onError` and marked dropped (errors.tolerance=all). A fatal error
  /// (not the record's fault) stops and is returned.
  template <class F>
  Status applyEach(std::vector<Record>& records, F&& onError);

 private:
  struct Stage {
    std::string alias;
    std::unique_ptr<PluginInstance> transform;
    PluginInstance* predicate = nullptr;
    bool negate = false;
  };
  Status applyStages(std::vector<Record*>& view);
  /// The documents of this batch go to a fresh arena (RecordContext::arena).
  static void newArena(std::vector<Record>& records);
  /// Move the records stages created into `records`.
  void appendCreated(std::vector<Record>& records);
  std::vector<std::unique_ptr<PluginInstance>> predicates_;
  std::deque<Record> created_;  // stable addresses while later stages run
  RecordContext* rctx_ = nullptr;
  std::vector<Stage> stages_;
  std::vector<uint8_t> results_;
  // Reused from batch to batch (apply is not reentrant).
  std::vector<Record*> view_;
  BatchView batch_;
};

template <class F>
Status TransformChain::applyEach(std::vector<Record>& records, F&& onError) {
  newArena(records);
  std::vector<Record*> view(1);
  for (auto& r : records) {
    if (r.dropped) continue;
    view.assign(1, &r);
    Status s = applyStages(view);
    if (s.code() == Status::Code::kFatal) {
      appendCreated(records);
      return s;
    }
    if (!s.isOk()) {
      onError(r, s);
      r.dropped = true;
    }
  }
  appendCreated(records);
  return Status::ok();
}

}  // namespace sluice::runtime

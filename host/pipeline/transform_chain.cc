#include "host/pipeline/transform_chain.h"

#include <map>

#include "host/pipeline/offset_tracker.h"

namespace sluice::runtime {

namespace {
Result<std::unique_ptr<PluginInstance>> startStage(const config::ConnectorPlan& plan, int taskId,
                                                   const TaskHooks& hooks,
                                                   const loader::Plugin* plugin, const config::ConfigMap& cfg,
                                                   sluice_variant variant, const std::string& what) {
  PluginInstance::Args args;
  args.state = hooks.state;
  args.instanceName = what;
  args.watermark = hooks.watermark;
  args.connectorName = plan.name;
  args.taskId = taskId;
  args.taskCount = plan.taskCount;
  args.variant = variant;
  args.config = cfg;
  args.logger = "sluice." + what;
  auto inst = PluginInstance::create(plugin, std::move(args));
  if (!inst) return Status::invalid(what + ": " + inst.status().message());
  if (auto s = (*inst)->start(); !s) return Status::invalid(what + ": " + s.message());
  return inst;
}
}  // namespace

Result<std::unique_ptr<TransformChain>> TransformChain::create(const config::ConnectorPlan& plan,
                                                               int taskId, TaskHooks hooks) {
  auto chain = std::make_unique<TransformChain>();
  chain->rctx_ = hooks.rctx;
  std::map<std::string, PluginInstance*> byAlias;
  for (const auto& p : plan.predicates) {
    auto inst = startStage(plan, taskId, hooks, p.plugin, p.config, SLUICE_VARIANT_NONE, "predicate." + p.alias);
    if (!inst) return inst.status();
    byAlias[p.alias] = inst->get();
    chain->predicates_.push_back(std::move(*inst));
  }
  for (const auto& t : plan.transforms) {
    auto inst = startStage(plan, taskId, hooks, t.plugin, t.config, t.variant, "transform." + t.alias);
    if (!inst) return inst.status();
    Stage st;
    st.alias = t.alias;
    st.transform = std::move(*inst);
    st.predicate = t.predicate.empty() ? nullptr : byAlias.at(t.predicate);
    st.negate = t.negate;
    chain->stages_.push_back(std::move(st));
  }
  return chain;
}

void TransformChain::newArena(std::vector<Record>& records) {
  if (!records.empty() && records.front().ctx) records.front().ctx->newArena();
}

Status TransformChain::applyStages(std::vector<Record*>& view) {
  BatchView& batch = batch_;
  batch.rctx = rctx_;
  batch.emitted.clear();
  for (auto& stage : stages_) {
    batch.records.clear();
    for (Record* r : view)
      if (!r->dropped) batch.records.push_back(r);
    if (batch.records.empty()) break;
    if (stage.predicate) {
      results_.assign(batch.records.size(), 0);
      Status s = stage.predicate->test(batch, results_.data());
      if (!s) return Status::invalid("predicate of transform '" + stage.alias + "' failed: " + s.message());
      size_t out = 0;
      for (size_t i = 0; i < batch.records.size(); ++i)
        if ((results_[i] != 0) != stage.negate) batch.records[out++] = batch.records[i];
      batch.records.resize(out);
      if (batch.records.empty()) continue;
    }
    Status s = stage.transform->apply(batch);
    if (!batch.records.empty() && batch.records.front()->ctx) batch.records.front()->ctx->scratch.clear();
    for (auto& r : batch.emitted) {
      created_.push_back(std::move(r));
      view.push_back(&created_.back());
    }
    batch.emitted.clear();
    if (!s) {
      // A record the stage refused is the record's problem (errors.tolerance
      // may skip it); anything else (e.g. state that cannot be read) is the
      // task's.
      std::string msg = "transform '" + stage.alias + "' (" + stage.transform->plugin().name + ") failed: " + s.message();
      if (rctx_ && rctx_->failed) {
        msg += describeRecord(*rctx_->failed);
        rctx_->failed = nullptr;
      }
      return s.code() == Status::Code::kInvalid ? Status::invalid(msg) : Status::fatal(msg);
    }
  }
  return Status::ok();
}

Status TransformChain::apply(std::vector<Record>& records) {
  if (stages_.empty()) return Status::ok();
  newArena(records);
  view_.clear();
  for (auto& r : records)
    if (!r.dropped) view_.push_back(&r);
  Status s = applyStages(view_);
  appendCreated(records);
  return s;
}

void TransformChain::appendCreated(std::vector<Record>& records) {
  for (auto& r : created_) records.push_back(std::move(r));
  created_.clear();
}

}  // namespace sluice::runtime

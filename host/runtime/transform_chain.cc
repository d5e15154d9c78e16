#include "host/runtime/transform_chain.h"

#include <map>

namespace sluice::runtime {

Result<std::unique_ptr<TransformChain>> TransformChain::create(const config::ConnectorPlan& plan,
                                                               int taskId) {
  auto chain = std::make_unique<TransformChain>();
  std::map<std::string, PluginInstance*> byAlias;
  for (const auto& p : plan.predicates) {
    PluginInstance::Args args;
    args.connectorName = plan.name;
    args.taskId = taskId;
    args.taskCount = plan.taskCount;
    args.config = p.config;
    args.logger = "sluice.predicate." + p.alias;
    auto inst = PluginInstance::create(p.plugin, std::move(args));
    if (!inst) return Status::invalid("predicate '" + p.alias + "': " + inst.status().message());
    if (auto s = (*inst)->start(); !s) return Status::invalid("predicate '" + p.alias + "': " + s.message());
    byAlias[p.alias] = inst->get();
    chain->predicates_.push_back(std::move(*inst));
  }
  for (const auto& t : plan.transforms) {
    PluginInstance::Args args;
    args.connectorName = plan.name;
    args.taskId = taskId;
    args.taskCount = plan.taskCount;
    args.variant = t.variant;
    args.config = t.config;
    args.logger = "sluice.transform." + t.alias;
    auto inst = PluginInstance::create(t.plugin, std::move(args));
    if (!inst) return Status::invalid("transform '" + t.alias + "': " + inst.status().message());
    if (auto s = (*inst)->start(); !s) return Status::invalid("transform '" + t.alias + "': " + s.message());
    Stage st;
    st.alias = t.alias;
    st.transform = std::move(*inst);
    st.predicate = t.predicate.empty() ? nullptr : byAlias.at(t.predicate);
    st.negate = t.negate;
    chain->stages_.push_back(std::move(st));
  }
  return chain;
}

Status TransformChain::applyStages(std::vector<Record*>& view) {
  BatchView batch;
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
    if (!s) return Status::invalid("transform '" + stage.alias + "' (" + stage.transform->plugin().name + ") failed: " + s.message());
  }
  return Status::ok();
}

Status TransformChain::apply(std::vector<Record>& records) {
  if (stages_.empty()) return Status::ok();
  std::vector<Record*> view;
  view.reserve(records.size());
  for (auto& r : records)
    if (!r.dropped) view.push_back(&r);
  return applyStages(view);
}

}  // namespace sluice::runtime

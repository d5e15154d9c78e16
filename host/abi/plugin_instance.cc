#include "host/abi/plugin_instance.h"

#include "host/abi/host_api.h"

namespace sluice::runtime {

Result<std::unique_ptr<PluginInstance>> PluginInstance::create(const loader::Plugin* plugin, Args args) {
  auto ctx = std::make_unique<InstanceContext>();
  ctx->tag = log::Tag{args.logger, args.connectorName, args.taskId};
  ctx->connectorName = args.connectorName;
  ctx->config = std::move(args.config);
  ctx->offsetReader = std::move(args.offsetReader);
  ctx->state = args.state;
  ctx->stateScope = state::stateKey(args.taskId, args.instanceName, "");
  ctx->watermark = args.watermark;
  ctx->kind = plugin->kind;
  ctx->textValues = (plugin->flags & SLUICE_FLAG_TEXT_VALUES) != 0;

  sluice_create_args ca{};
  ca.struct_size = sizeof(ca);
  ca.host = hostApi();
  ca.ctx = reinterpret_cast<sluice_ctx*>(ctx.get());
  ca.connector_name = sluice_span{ctx->connectorName.data(), ctx->connectorName.size()};
  ca.task_id = args.taskId;
  ca.task_count = args.taskCount;
  ca.variant = args.variant;

  std::unique_ptr<PluginInstance> inst(new PluginInstance(plugin, std::move(ctx)));
  inst->call_ = PluginCall{inst->ctx_->connectorName.c_str(), args.taskId, plugin->name.c_str(), plugin->file.c_str(), ""};
  sluice_instance* self = nullptr;
  sluice_status s;
  {
    auto scope = inst->enter("on_create");
    inst->ctx_->creating = true;
    s = plugin->desc.on_create(&ca, &self);
    inst->ctx_->creating = false;
  }
  if (s == SLUICE_OK && !inst->ctx_->fault.empty()) {
    // The host refused one of its calls: the instance is not what it meant.
    inst->self_ = self;
    return Status::fatal("plugin " + plugin->name + ", in on_create: " + inst->ctx_->fault);
  }
  if (s != SLUICE_OK) {
    std::string msg = inst->ctx_->lastError.empty() ? "on_create failed" : inst->ctx_->lastError;
    if (s == SLUICE_INVALID_CONFIG) return Status::invalid(msg);
    return Status::fatal(plugin->name + ": " + msg);
  }
  inst->self_ = self;
  return inst;
}

PluginInstance::~PluginInstance() {
  if (self_) {
    if (!stopped_) (void)stop();
    auto scope = enter("on_destroy");
    plugin_->desc.on_destroy(self_);
  }
}

Status PluginInstance::check(sluice_status s, const char* hook, std::string* batchFault) {
  std::string* fault = batchFault && !batchFault->empty() ? batchFault : &ctx_->fault;
  if (!fault->empty()) {
    std::string msg = "plugin " + plugin_->name + (plugin_->file.empty() ? "" : " (" + plugin_->file + ")") + ", in " + hook + ": " + *fault;
    fault->clear();
    ctx_->lastError.clear();
    return Status::fatal(msg);
  }
  if (s == SLUICE_OK) return Status::ok();
  std::string msg = ctx_->lastError.empty() ? std::string(hook) + " failed" : ctx_->lastError;
  ctx_->lastError.clear();
  switch (s) {
    case SLUICE_RETRIABLE: return Status::retriable(msg);
    case SLUICE_INVALID_CONFIG: return Status::invalid(msg);
    case SLUICE_BAD_RECORD: return Status::invalid(msg);
    default: return Status::fatal(msg);
  }
}

Status PluginInstance::start() {
  stopped_ = false;
  if (!plugin_->desc.on_start) return Status::ok();
  auto scope = enter("on_start");
  return check(plugin_->desc.on_start(self_), "on_start");
}

Status PluginInstance::stop() {
  if (stopped_) return Status::ok();
  stopped_ = true;
  if (!plugin_->desc.on_stop) return Status::ok();
  auto scope = enter("on_stop");
  return check(plugin_->desc.on_stop(self_), "on_stop");
}

Status PluginInstance::poll(EmitTarget& out, uint32_t maxRecords, uint32_t timeoutMs) {
  auto scope = enter("on_poll");
  return check(plugin_->desc.on_poll(self_, reinterpret_cast<sluice_emitter*>(&out), maxRecords, timeoutMs),
               "on_poll");
}

Status PluginInstance::put(const std::vector<const sluice_record*>& records) {
  auto scope = enter("on_put");
  return check(plugin_->desc.on_put(self_, records.data(), records.size()), "on_put");
}

Status PluginInstance::flush() {
  auto scope = enter("on_flush");
  return check(plugin_->desc.on_flush(self_), "on_flush");
}

Status PluginInstance::commitRecord(const sluice_record& rec) {
  auto scope = enter("on_commit_record");
  return check(plugin_->desc.on_commit_record(self_, &rec), "on_commit_record");
}

Status PluginInstance::apply(BatchView& batch) {
  auto scope = enter("on_apply");
  return check(plugin_->desc.on_apply(self_, reinterpret_cast<sluice_batch*>(&batch)), "on_apply", &batch.fault);
}

Status PluginInstance::test(BatchView& batch, uint8_t* results) {
  auto scope = enter("on_test");
  return check(plugin_->desc.on_test(self_, reinterpret_cast<sluice_batch*>(&batch), results), "on_test", &batch.fault);
}

}  // namespace sluice::runtime

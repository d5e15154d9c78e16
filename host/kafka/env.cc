#include "host/kafka/env.h"

#include <librdkafka/rdkafka_mock.h>

#include "host/common/log.h"

namespace sluice::kafka {
namespace {
const log::Tag kTag{"sluice.kafka", "", -1};

void logCb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  auto lvl = level <= 3 ? log::Level::kError : level <= 4 ? log::Level::kWarn
           : level <= 6 ? log::Level::kInfo : log::Level::kDebug;
  if (log::enabled(kTag, lvl)) log::write(kTag, lvl, std::string("librdkafka ") + fac + ": " + buf);
}
}  // namespace

Result<rd_kafka_conf_t*> makeConf(const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::invalid("invalid Kafka client setting '" + k + "': " + err);
    }
  }
  rd_kafka_conf_set_log_cb(conf, logCb);
  return conf;
}

Result<std::unique_ptr<Env>> Env::create(const std::string& bootstrap,
                                         std::map<std::string, std::string> producerOverrides,
                                         std::map<std::string, std::string> consumerOverrides,
                                         std::map<std::string, std::string> adminOverrides) {
  std::unique_ptr<Env> env(new Env());
  env->producer_ = std::move(producerOverrides);
  env->consumer_ = std::move(consumerOverrides);
  env->admin_ = std::move(adminOverrides);
  char err[512];
  if (bootstrap.empty()) {
    auto conf = makeConf({{"client.id", "sluice-embedded-mock"}});
    if (!conf) return conf.status();
    env->mockOwner_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof err);
    if (!env->mockOwner_) return Status::fatal(std::string("cannot start embedded Kafka: ") + err);
    env->mock_ = rd_kafka_mock_cluster_new(env->mockOwner_, 1);
    if (!env->mock_) return Status::fatal("cannot start the embedded librdkafka mock cluster");
    env->bootstrap_ = rd_kafka_mock_cluster_bootstraps(env->mock_);
    SLUICE_LOG(kTag, log::Level::kWarn,
               "no bootstrap.servers configured: using the EMBEDDED librdkafka mock cluster at " +
                   env->bootstrap_ +
                   ". It is in-process and NON-DURABLE: topics vanish when sluice stops. "
                   "Set bootstrap.servers for anything real.");
  } else {
    env->bootstrap_ = bootstrap;
  }
  std::map<std::string, std::string> adminSettings = env->admin_;
  adminSettings["bootstrap.servers"] = env->bootstrap_;
  auto conf = makeConf(adminSettings);
  if (!conf) return conf.status();
  env->admin_rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof err);
  if (!env->admin_rk_) return Status::fatal(std::string("cannot create Kafka admin client: ") + err);
  return env;
}

Env::~Env() {
  if (admin_rk_) rd_kafka_destroy(admin_rk_);
  if (mock_) rd_kafka_mock_cluster_destroy(mock_);
  if (mockOwner_) rd_kafka_destroy(mockOwner_);
}

std::map<std::string, std::string> Env::producerSettings() const {
  std::map<std::string, std::string> s = {
      {"bootstrap.servers", bootstrap_},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"compression.type", "none"},
      // librdkafka's 100,000 queued messages were most of a source task's
      // memory (docs/benchmarks.md); 20,000 is still 70 ms of records at
      // 280 k records/s, fourteen times linger.ms.
      {"queue.buffering.max.messages", "20000"},
  };
  for (const auto& [k, v] : producer_) s[k] = v;
  s["bootstrap.servers"] = bootstrap_;
  return s;
}

std::map<std::string, std::string> Env::consumerSettings(const std::string& groupId) const {
  std::map<std::string, std::string> s = {
      {"bootstrap.servers", bootstrap_},
      {"group.id", groupId},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "range,roundrobin"},
      {"enable.partition.eof", "false"},
      // Prefetch at most 16 MiB (librdkafka: 64 MiB), like the Java
      // consumer's fetch sizes rather than four times them.
      {"queued.max.messages.kbytes", "16384"},
      // When that queue is full, librdkafka stops fetching the partition for
      // this long (its default, and 2.0.2's fixed value: 1000 ms). A sink
      // slower than the broker finds it full all the time and idled most of
      // every second: 0.24-0.43 M records/s for file-sink against 0.84-1.4 M
      // with 10 ms (docs/benchmarks.md). Checking again every 10 ms costs
      // next to nothing.
      {"fetch.queue.backoff.ms", "10"},
  };
  // librdkafka 2.0.2's mock coordinator keeps a member that left until its
  // session times out, so a restarted sink task would wait the full 45 s
  // default before getting partitions. The embedded cluster is in-process;
  // a short session is safe there.
  if (mock_) s["session.timeout.ms"] = "6000";
  for (const auto& [k, v] : consumer_) s[k] = v;
  s["bootstrap.servers"] = bootstrap_;
  s["group.id"] = groupId;
  return s;
}

Result<int> Env::partitionCount(const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(admin_rk_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(admin_rk_, 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (err) return Status::retriable("cannot read metadata for topic " + topic + ": " + rd_kafka_err2str(err));
  int count = -1;
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
    count = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  if (count <= 0) return Status::notFound("topic " + topic + " does not exist");
  return count;
}

Result<int> Env::existingPartitionCount(const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(admin_rk_, 1, nullptr, &md, 10000);
  if (err) return Status::retriable("cannot read the cluster's topics: " + std::string(rd_kafka_err2str(err)));
  int count = -1;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (md->topics[i].topic == topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) count = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  if (count <= 0) return Status::notFound("topic " + topic + " does not exist");
  return count;
}

Status Env::adminCall(const std::string& what, const std::function<void(rd_kafka_queue_t*)>& start,
                      const std::function<Status(rd_kafka_event_t*)>& check) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(admin_rk_);
  start(q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  Status result = ev ? check(ev) : Status::retriable("timed out " + what);
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  return result;
}

Status Env::ensureTopic(const std::string& topic, int partitions, int replicationFactor) {
  if (mock_) {
    // The mock cluster creates topics on demand; create explicitly so the
    // partition count is the one asked for.
    auto err = rd_kafka_mock_topic_create(mock_, topic.c_str(), partitions > 0 ? partitions : 1, 1);
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      return Status::fatal("cannot create topic " + topic + ": " + rd_kafka_err2str(err));
    return Status::ok();
  }
  auto existing = partitionCount(topic);
  if (existing) return Status::ok();
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions > 0 ? partitions : -1,
                                                  replicationFactor > 0 ? replicationFactor : -1,
                                                  nullptr, 0);
  Status result = adminCall(
      "creating topic " + topic, [&](rd_kafka_queue_t* q) { rd_kafka_CreateTopics(admin_rk_, &nt, 1, nullptr, q); },
      [&](rd_kafka_event_t* ev) {
        const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
        size_t n = 0;
        const rd_kafka_topic_result_t** trs = res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
        if (rd_kafka_event_error(ev))
          return Status::fatal("cannot create topic " + topic + ": " + rd_kafka_event_error_string(ev));
        if (n == 1) {
          auto err = rd_kafka_topic_result_error(trs[0]);
          if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            return Status::fatal("cannot create topic " + topic + ": " +
                                 (rd_kafka_topic_result_error_string(trs[0]) ?: rd_kafka_err2str(err)));
        }
        return Status::ok();
      });
  rd_kafka_NewTopic_destroy(nt);
  if (result.isOk()) SLUICE_LOG(kTag, log::Level::kInfo, "created topic " + topic);
  return result;
}

rd_kafka_topic_partition_list_t* Env::partitionsOf(const std::vector<std::string>& topics) {
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(8);
  for (const auto& t : topics) {
    auto n = partitionCount(t);
    if (!n) continue;  // a topic that does not exist has no offsets
    for (int p = 0; p < *n; ++p) rd_kafka_topic_partition_list_add(parts, t.c_str(), p);
  }
  return parts;
}

Result<rd_kafka_t*> newClient(rd_kafka_type_t type, const std::map<std::string, std::string>& settings,
                              const std::function<void(rd_kafka_conf_t*)>& configure) {
  auto conf = makeConf(settings);
  if (!conf) return conf.status();
  if (configure) configure(*conf);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, *conf, err, sizeof err);  // takes the conf on success only
  if (!rk) rd_kafka_conf_destroy(*conf);
  if (!rk) return Status::fatal(std::string("cannot create ") + (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") + ": " + err);
  return rk;
}

Result<rd_kafka_t*> Env::groupClient(const std::string& group) {
  // A consumer that never subscribes only reads or writes the group's
  // offsets: it does not join the group, so no member is disturbed.
  return newClient(RD_KAFKA_CONSUMER, consumerSettings(group));
}

namespace {
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;
using Client = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

std::vector<Env::CommittedOffset> toOffsets(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<Env::CommittedOffset> out;
  for (int i = 0; i < parts->cnt; ++i)
    if (parts->elems[i].offset >= 0) {
      const auto& e = parts->elems[i];
      std::string metadata = e.metadata ? std::string(static_cast<const char*>(e.metadata), e.metadata_size) : "";
      out.push_back({e.topic, e.partition, e.offset, std::move(metadata)});
    }
  return out;
}
}  // namespace

Result<std::vector<Env::CommittedOffset>> Env::committedOffsets(const std::string& group,
                                                                const std::vector<std::string>& topics) {
  PartitionList parts(partitionsOf(topics), &rd_kafka_topic_partition_list_destroy);
  if (parts->cnt == 0) return std::vector<CommittedOffset>{};
  auto rk = groupClient(group);
  if (!rk) return rk.status();
  Client client(*rk, &rd_kafka_destroy);
  if (auto e = rd_kafka_committed(client.get(), parts.get(), 10000))
    return Status::retriable(std::string("cannot read committed offsets of group ") + group + ": " + rd_kafka_err2str(e));
  return toOffsets(parts.get());
}

Status Env::commitGroupOffsets(const std::string& group, const std::vector<CommittedOffset>& offsets) {
  if (offsets.empty()) return Status::ok();
  PartitionList parts(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())),
                      &rd_kafka_topic_partition_list_destroy);
  for (const auto& o : offsets) rd_kafka_topic_partition_list_add(parts.get(), o.topic.c_str(), o.partition)->offset = o.offset;
  auto rk = groupClient(group);
  if (!rk) return rk.status();
  Client client(*rk, &rd_kafka_destroy);
  if (auto e = rd_kafka_commit(client.get(), parts.get(), 0))
    return Status::retriable("cannot commit offsets of group " + group + " (is a member still active?): " + rd_kafka_err2str(e));
  return Status::ok();
}

Status Env::deleteGroupOffsets(const std::string& group, const std::vector<CommittedOffset>& partitions) {
  if (partitions.empty()) return Status::ok();
  // librdkafka's mock cluster has no OffsetDelete (KIP-496), and librdkafka
  // 2.10, refused that request, later aborts in rd_kafka_destroy (a queue's
  // reference count underflows): never send it there.
  if (mock_)
    return Status::invalid("the embedded cluster cannot delete the committed offsets of group " + group +
                           " (it has no OffsetDelete); they stay until the group commits again");
  PartitionList parts(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())),
                      &rd_kafka_topic_partition_list_destroy);
  for (const auto& p : partitions) rd_kafka_topic_partition_list_add(parts.get(), p.topic.c_str(), p.partition);
  rd_kafka_DeleteConsumerGroupOffsets_t* del = rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), parts.get());
  Status result = adminCall(
      "deleting offsets of group " + group,
      [&](rd_kafka_queue_t* q) { rd_kafka_DeleteConsumerGroupOffsets(admin_rk_, &del, 1, nullptr, q); },
      [&](rd_kafka_event_t* ev) {
        auto err = rd_kafka_event_error(ev);
        // A group that never committed has nothing to delete.
        if (err && err != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
          return Status::retriable("cannot delete offsets of group " + group + ": " + rd_kafka_event_error_string(ev));
        return Status::ok();
      });
  rd_kafka_DeleteConsumerGroupOffsets_destroy(del);
  return result;
}

Result<std::vector<Env::CommittedOffset>> Env::offsetsForTimes(const std::vector<std::string>& topics, int64_t timestampMs) {
  PartitionList parts(partitionsOf(topics), &rd_kafka_topic_partition_list_destroy);
  if (parts->cnt == 0) return std::vector<CommittedOffset>{};
  for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = timestampMs;
  auto rk = groupClient("sluice-offsets-for-times");
  if (!rk) return rk.status();
  Client client(*rk, &rd_kafka_destroy);
  if (auto e = rd_kafka_offsets_for_times(client.get(), parts.get(), 10000))
    return Status::retriable(std::string("cannot look up offsets for time: ") + rd_kafka_err2str(e));
  for (int i = 0; i < parts->cnt; ++i) {
    auto& p = parts->elems[i];
    if (p.err) return Status::retriable(std::string("cannot look up offsets for time on ") + p.topic + "-" +
                                        std::to_string(p.partition) + ": " + rd_kafka_err2str(p.err));
    if (p.offset < 0) {
      // No record at or after the time: start at the end.
      int64_t low = 0, high = 0;
      if (auto e = rd_kafka_query_watermark_offsets(client.get(), p.topic, p.partition, &low, &high, 10000))
        return Status::retriable(std::string("cannot read the end offset of ") + p.topic + ": " + rd_kafka_err2str(e));
      p.offset = high;
    }
  }
  return toOffsets(parts.get());
}

std::string Env::clusterId() {
  char* id = rd_kafka_clusterid(admin_rk_, 5000);
  if (!id) return "";
  std::string out = id;
  rd_kafka_mem_free(admin_rk_, id);
  return out;
}

}  // namespace sluice::kafka

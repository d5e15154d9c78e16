#include "host/metrics/kafka_probes.h"

#include <pthread.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace sluice::metrics {
namespace {
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;
PartitionList own(rd_kafka_topic_partition_list_t* l) { return PartitionList(l, &rd_kafka_topic_partition_list_destroy); }

std::string confValue(rd_kafka_t* rk, const char* name) {
  char buf[256];
  size_t size = sizeof buf;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), name, buf, &size) != RD_KAFKA_CONF_OK) return "";
  return buf;
}
}  // namespace

std::vector<PartitionLag> consumerLag(rd_kafka_t* consumer,
                                      const std::function<int64_t(const char*, int32_t)>& position, int timeoutMs) {
  std::vector<PartitionLag> out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (!consumer || rd_kafka_assignment(consumer, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || !raw) return out;
  PartitionList assigned = own(raw);
  if (assigned->cnt == 0) return out;

  // End offsets: offsets-for-times at "latest" (-1) asks every leader once.
  PartitionList ends = own(rd_kafka_topic_partition_list_copy(assigned.get()));
  for (int i = 0; i < ends->cnt; ++i) ends->elems[i].offset = RD_KAFKA_OFFSET_END;
  bool queried = rd_kafka_offsets_for_times(consumer, ends.get(), timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR;

  // Positions: the task's, else the consumer's, else the group's committed offset.
  PartitionList positions = own(rd_kafka_topic_partition_list_copy(assigned.get()));
  (void)rd_kafka_position(consumer, positions.get());
  std::vector<int64_t> pos(static_cast<size_t>(assigned->cnt), -1);
  bool needCommitted = false;
  for (int i = 0; i < assigned->cnt; ++i) {
    const auto& p = assigned->elems[i];
    int64_t mine = position ? position(p.topic, p.partition) : -1;
    if (mine >= 0) pos[i] = mine;
    else if (positions->elems[i].offset >= 0) pos[i] = positions->elems[i].offset;
    else needCommitted = true;
  }
  bool needStart = false;
  if (needCommitted) {
    PartitionList committed = own(rd_kafka_topic_partition_list_copy(assigned.get()));
    if (rd_kafka_committed(consumer, committed.get(), timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR)
      for (int i = 0; i < committed->cnt; ++i) {
        if (pos[i] >= 0) continue;
        if (!committed->elems[i].err && committed->elems[i].offset >= 0) pos[i] = committed->elems[i].offset;
        else needStart = true;
      }
  }
  // Nothing consumed and nothing committed (a sink created paused, say): the
  // consumer would start where auto.offset.reset says.
  if (needStart && queried) {
    std::string reset = confValue(consumer, "auto.offset.reset");
    bool earliest = reset == "earliest" || reset == "smallest" || reset == "beginning";
    bool latest = reset == "latest" || reset == "largest" || reset == "end";
    PartitionList starts = own(rd_kafka_topic_partition_list_copy(assigned.get()));
    for (int i = 0; i < starts->cnt; ++i) starts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    if (earliest && rd_kafka_offsets_for_times(consumer, starts.get(), timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < starts->cnt; ++i)
        if (pos[i] < 0 && !starts->elems[i].err && starts->elems[i].offset >= 0) pos[i] = starts->elems[i].offset;
    } else if (latest) {
      for (int i = 0; i < ends->cnt; ++i)
        if (pos[i] < 0 && !ends->elems[i].err && ends->elems[i].offset >= 0) pos[i] = ends->elems[i].offset;
    }
  }

  for (int i = 0; i < assigned->cnt; ++i) {
    const auto& p = assigned->elems[i];
    int64_t end = -1;
    if (queried && !ends->elems[i].err) end = ends->elems[i].offset;
    if (end < 0) {
      int64_t low = -1, high = -1;
      if (rd_kafka_get_watermark_offsets(consumer, p.topic, p.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR) end = high;
    }
    if (end < 0 || pos[i] < 0) continue;
    out.push_back(PartitionLag{p.topic, p.partition, end > pos[i] ? end - pos[i] : 0});
  }
  return out;
}

LagProbe::LagProbe(rd_kafka_t* consumer, std::function<void(std::vector<PartitionLag>)> publish, int timeoutMs,
                   std::string threadName)
    : consumer_(consumer),
      publish_(std::move(publish)),
      timeoutMs_(timeoutMs),
      threadName_(std::move(threadName)),
      thread_([this] { run(); }) {}

LagProbe::~LagProbe() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LagProbe::request(Positions positions) {
  {
    std::lock_guard lk(mu_);
    waiting_ = std::move(positions);
  }
  cv_.notify_one();
}

void LagProbe::run() {
  // Linux allows 15 characters.
  pthread_setname_np(pthread_self(), threadName_.substr(0, 15).c_str());
  while (true) {
    Positions positions;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stop_ || waiting_; });
      if (stop_) return;
      positions = std::move(*waiting_);
      waiting_.reset();
    }
    auto lags = consumerLag(consumer_, [&positions](const char* topic, int32_t partition) {
      auto it = positions.find({topic, partition});
      return it == positions.end() ? int64_t{-1} : it->second;
    }, timeoutMs_);
    publish_(std::move(lags));
  }
}

double producerQueueCapacity(rd_kafka_t* producer) {
  if (!producer) return 0;
  return std::strtod(confValue(producer, "queue.buffering.max.messages").c_str(), nullptr);
}

}  // namespace sluice::metrics

// Against a real Apache Kafka broker (scripts/kafka.sh, started once for the
// integration suite by ctest's `kafka` fixture, with broker-side topic
// auto-creation off). Every test uses its own topics and connector names.
#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

std::string bootstrap() { return kafkaBootstrap(); }

std::string unique(const std::string& base) {
  static int n = 0;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return base + "-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) + "-" + std::to_string(++n);
}

struct Line {
  int task;
  std::string topic;
  int partition;
  int64_t offset;
  int64_t ts;
  std::optional<std::string> key;
  json::array headers;
  json::object value;
};

std::vector<Line> readJsonSink(const std::string& path) {
  std::vector<Line> out;
  for (const auto& l : readLines(path)) {
    auto v = json::parse(l).as_object();
    Line x;
    x.task = static_cast<int>(v.at("task").as_int64());
    x.topic = std::string(v.at("topic").as_string());
    x.partition = static_cast<int>(v.at("partition").as_int64());
    x.offset = v.at("offset").as_int64();
    x.ts = v.at("ts").as_int64();
    if (v.at("key").is_string()) x.key = std::string(v.at("key").as_string());
    x.headers = v.at("headers").as_array();
    x.value = json::parse(v.at("value").as_string()).as_object();
    out.push_back(std::move(x));
  }
  return out;
}

class RealKafkaTest : public WorkerFixture {
 protected:
  void configure() override {
    wc_.bootstrapServers = bootstrap();
    wc_.offsetFlushIntervalMs = 500;
    wc_.producerOverrides["compression.type"] = "lz4";
    wc_.producerOverrides["linger.ms"] = "10";
    configureMore();
  }
  virtual void configureMore() {}
  void SetUp() override {
    WorkerFixture::SetUp();
    ASSERT_NE(kafka_->clusterId(), "") << "no Kafka broker at " << bootstrap() << ": run 'make kafka-up' (ctest starts it through the kafka fixture)";
  }
  config::ConfigMap datagen(const std::string& topic, int64_t records, int partitions) {
    return {{"connector.class", "datagen"}, {"topic", topic}, {"records", std::to_string(records)}, {"keys", "30"},
            {"topic.creation.default.partitions", std::to_string(partitions)},
            {"topic.creation.default.replication.factor", "1"}};
  }
  /// Create the topic, start a json test-sink with `tasks` tasks on it and
  /// wait until every task has been assigned partitions.
  void startSettledSink(const std::string& topic, int partitions, int tasks, const std::string& out) {
    ASSERT_TRUE(kafka_->ensureTopic(topic, partitions, 1).isOk());
    ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "test-sink"}, {"topics", topic},
                                                  {"tasks.max", std::to_string(tasks)}, {"file", out},
                                                  {"format", "json"}}).isOk());
    ASSERT_TRUE(waitFor([&] {
      for (int t = 0; t < tasks; ++t)
        if (metric("sluice_sink_task_partitions_rebalanced_total", "sink-" + topic,
                   "event=\"assigned\",kind=\"sink\",task=\"" + std::to_string(t) + "\"") < 1)
          return false;
      return true;
    }, 60s)) << metrics_.serialize();
  }
  double metric(const std::string& name, const std::string& connector, const std::string& extra = "") {
    std::string text = metrics_.serialize();
    double total = 0;
    std::string prefix = name + "{";
    size_t pos = 0;
    while ((pos = text.find(prefix, pos)) != std::string::npos) {
      size_t end = text.find('\n', pos);
      std::string line = text.substr(pos, end - pos);
      pos = end;
      if (line.find("connector=\"" + connector + "\"") == std::string::npos) continue;
      if (!extra.empty() && line.find(extra) == std::string::npos) continue;
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return total;
  }
};

TEST_F(RealKafkaTest, ExactDeliveryKeepsPerPartitionOrderAcrossSharedTasks) {
  std::string topic = unique("exact"), out = dir_.file("out.txt");
  const int64_t n = 20000;
  // The sink first, with the topic made as the source would make it, so the
  // group has settled (three members, one partition each) before data flows.
  startSettledSink(topic, 3, 3, out);
  ASSERT_TRUE(herder_->create("gen-" + topic, datagen(topic, n, 3)).isOk());
  auto parts = kafka_->partitionCount(topic);
  ASSERT_TRUE(parts.isOk());
  EXPECT_EQ(*parts, 3);
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= n; }, 120s)) << readLines(out).size();
  auto lines = readJsonSink(out);
  std::set<int64_t> seqs;
  std::map<int, int64_t> lastOffset, lastSeq;
  std::map<int, std::set<int>> tasksOfPartition;
  std::map<std::string, std::set<int>> partitionsOfKey;
  for (const auto& l : lines) {
    int64_t seq = l.value.at("seq").as_int64();
    seqs.insert(seq);
    if (lastOffset.count(l.partition)) {
      EXPECT_GT(l.offset, lastOffset[l.partition]) << "partition " << l.partition;
      EXPECT_GT(seq, lastSeq[l.partition]) << "per-partition order of seq, partition " << l.partition;
    }
    lastOffset[l.partition] = l.offset;
    lastSeq[l.partition] = seq;
    tasksOfPartition[l.partition].insert(l.task);
    partitionsOfKey[*l.key].insert(l.partition);
    EXPECT_EQ(l.ts, l.value.at("ts").as_int64()) << "record timestamp preserved end to end";
  }
  EXPECT_EQ(lines.size(), static_cast<size_t>(n)) << "no duplicates without failures";
  EXPECT_EQ(seqs.size(), static_cast<size_t>(n));
  EXPECT_EQ(*seqs.rbegin(), n - 1);
  EXPECT_EQ(lastOffset.size(), 3u) << "all three partitions carried data";
  std::set<int> tasksUsed;
  for (const auto& [p, tasks] : tasksOfPartition) {
    EXPECT_EQ(tasks.size(), 1u) << "partition " << p << " consumed by one task";
    tasksUsed.insert(*tasks.begin());
  }
  EXPECT_EQ(tasksUsed.size(), 3u) << "tasks.max=3 tasks share the 3 partitions";
  for (const auto& [k, ps] : partitionsOfKey) EXPECT_EQ(ps.size(), 1u) << "key " << k << " must map to one partition";
}

TEST_F(RealKafkaTest, SourceCreatesItsTopicTheKafkaConnectWay) {
  std::string topic = unique("created");
  ASSERT_TRUE(herder_->create("gen-" + topic, datagen(topic, 10, 5)).isOk());
  auto parts = kafka_->partitionCount(topic);
  ASSERT_TRUE(waitFor([&] { parts = kafka_->partitionCount(topic); return parts.isOk(); }, 30s));
  EXPECT_EQ(*parts, 5) << "topic.creation.default.partitions";
}

TEST_F(RealKafkaTest, HeadersAndTimestampsSurviveEndToEnd) {
  std::string topic = unique("headers"), out = dir_.file("out.txt");
  auto cfg = datagen(topic, 200, 1);
  cfg["transforms"] = "h";
  cfg["transforms.h.type"] = "InsertHeader";
  cfg["transforms.h.header"] = "origin";
  cfg["transforms.h.value.literal"] = "sluice-test";
  ASSERT_TRUE(herder_->create("gen-" + topic, cfg).isOk());
  ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "test-sink"}, {"topics", topic}, {"file", out}, {"format", "json"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 200; }, 60s));
  for (const auto& l : readJsonSink(out)) {
    ASSERT_EQ(l.headers.size(), 1u);
    EXPECT_EQ(l.headers[0], json::parse(R"(["origin","sluice-test"])"));
    EXPECT_EQ(l.ts, l.value.at("ts").as_int64());
  }
}

TEST_F(RealKafkaTest, MissingTopicThatMayNotBeCreatedFailsTheTaskClearly) {
  std::string topic = unique("missing");
  ASSERT_TRUE(herder_->create("gen-" + topic, {{"connector.class", "datagen"}, {"topic", topic}, {"records", "10"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return taskState("gen-" + topic) == "FAILED"; }, 60s)) << taskState("gen-" + topic);
  auto st = herder_->status("gen-" + topic);
  EXPECT_NE(st->tasks[0].trace.find("topic '" + topic + "' does not exist and may not be created"), std::string::npos)
      << st->tasks[0].trace;
  EXPECT_FALSE(kafka_->partitionCount(topic).isOk()) << "nothing was created behind the user's back";
}

TEST_F(RealKafkaTest, SinkRestartResumesFromCommittedGroupOffsets) {
  std::string topic = unique("resume"), out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen-" + topic, datagen(topic, 1000, 2)).isOk());
  ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "file-sink"}, {"topics", topic}, {"file", out}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 1000; }, 60s));
  // The committed group offsets (GET /connectors/{name}/offsets) cover all 1000.
  ASSERT_TRUE(waitFor([&] {
    auto offs = herder_->offsets("sink-" + topic);
    if (!offs) return false;
    int64_t total = 0;
    for (const auto& e : *offs) total += json::parse(e.offset).at("kafka_offset").as_int64();
    return total == 1000;
  }, 30s));
  ASSERT_TRUE(herder_->remove("sink-" + topic).isOk());  // flush + commit on revoke/close
  auto more = datagen(topic, 2000, 2);
  bool created = false;
  ASSERT_TRUE(herder_->put("gen-" + topic, more, &created).isOk());  // resumes at seq 1000
  ASSERT_TRUE(waitFor([&] { return store_->getOffset("gen-" + topic, R"({"task":0})").value_or("") == R"({"seq":1999})"; }, 60s));
  ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "file-sink"}, {"topics", topic}, {"file", out}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 2000; }, 60s)) << readLines(out).size();
  std::multiset<int64_t> seqs;
  for (const auto& l : readLines(out)) seqs.insert(json::parse(l).at("seq").as_int64());
  EXPECT_EQ(seqs.size(), 2000u) << "the restarted sink must not re-read what it committed";
  std::set<int64_t> unique(seqs.begin(), seqs.end());
  EXPECT_EQ(unique.size(), 2000u);
  EXPECT_EQ(*unique.rbegin(), 1999);
}

TEST_F(RealKafkaTest, SinkReplayByTimestampReDeliversFromThatTimeOn) {
  std::string topic = unique("replayts"), out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen-" + topic, {{"connector.class", "datagen"}, {"topic", topic}, {"records", "300"},
                                               {"records.per.second", "300"},
                                               {"topic.creation.default.partitions", "1"},
                                               {"topic.creation.default.replication.factor", "1"}}).isOk());
  ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "test-sink"}, {"topics", topic}, {"file", out},
                                                {"format", "json"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readJsonSink(out).size() >= 300; }, 60s));
  auto first = readJsonSink(out);
  int64_t t = first[150].ts;
  int64_t from = 300;
  for (const auto& l : first)
    if (l.ts >= t) from = std::min(from, l.offset);
  runtime::Herder::ReplayTarget target;
  target.timestampMs = t;
  auto r = herder_->replay("sink-" + topic, target);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  ASSERT_EQ(r->offsets.size(), 1u);
  EXPECT_EQ(json::parse(r->offsets[0].offset).at("kafka_offset").as_int64(), from);
  size_t expected = 300 + static_cast<size_t>(300 - from);
  ASSERT_TRUE(waitFor([&] { return readJsonSink(out).size() >= expected; }, 60s)) << readJsonSink(out).size();
  auto all = readJsonSink(out);
  ASSERT_EQ(all.size(), expected);
  for (size_t i = 300; i < all.size(); ++i) EXPECT_EQ(all[i].offset, from + static_cast<int64_t>(i - 300));
  // A time after every record: nothing to re-deliver, the sink stands at the end.
  target.timestampMs = first.back().ts + 60000;
  r = herder_->replay("sink-" + topic, target);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(json::parse(r->offsets[0].offset).at("kafka_offset").as_int64(), 300);
}

TEST_F(RealKafkaTest, PoisonRecordsLandInTheDeadLetterTopicWithContextHeaders) {
  std::string topic = unique("poison"), dlqTopic = "dlq-" + topic, out = dir_.file("out.txt"), in = dir_.file("in.txt");
  std::string text;
  for (int i = 0; i < 200; ++i) text += i % 20 == 7 ? "garbage " + std::to_string(i) + "\n" : "{\"n\":" + std::to_string(i) + "}\n";
  writeFile(in, text);
  ASSERT_TRUE(herder_->create("src-" + topic, {{"connector.class", "FileStreamSource"}, {"file", in}, {"topic", topic},
                                               {"value.converter", "string"},
                                               {"topic.creation.default.partitions", "1"},
                                               {"topic.creation.default.replication.factor", "1"}}).isOk());
  ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "FileStreamSink"}, {"topics", topic}, {"file", out},
                                                {"transforms", "tag"}, {"transforms.tag.type", "InsertField$Value"},
                                                {"transforms.tag.static.field", "ok"}, {"transforms.tag.static.value", "1"},
                                                {"errors.tolerance", "all"},
                                                {"errors.deadletterqueue.topic.name", dlqTopic},
                                                {"errors.deadletterqueue.topic.replication.factor", "1"},
                                                {"errors.deadletterqueue.context.headers.enable", "true"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 190; }, 60s)) << readLines(out).size();
  ASSERT_TRUE(waitFor([&] { return metric("sluice_task_dlq_records_total", "sink-" + topic) >= 10; }, 30s));
  // Read the dead letters back with Kafka's own console consumer.
  std::string port = bootstrap().substr(bootstrap().rfind(':') + 1);
  Process consumer({"/bin/sh", "-c", "KAFKA_PORT=" + port + " bash scripts/kafka.sh consume " + dlqTopic +
                                         " 10 --property print.headers=true > " + dir_.file("dlq.txt")},
                   sourceDir(), dir_.file("consumer.log"));
  ASSERT_EQ(consumer.stop(0, 120s), 0) << readFile(dir_.file("consumer.log"));
  std::vector<std::string> lines;  // records only (the tool may print notices too)
  for (const auto& l : readLines(dir_.file("dlq.txt")))
    if (l.find('\t') != std::string::npos) lines.push_back(l);
  ASSERT_EQ(lines.size(), 10u) << readFile(dir_.file("dlq.txt"));
  for (const auto& line : lines) {
    auto tab = line.rfind('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::string hdrs = line.substr(0, tab), value = line.substr(tab + 1);
    EXPECT_EQ(value.rfind("garbage ", 0), 0u) << line;
    int n = std::stoi(value.substr(8));
    EXPECT_EQ(n % 20, 7);
    for (const std::string& want : std::vector<std::string>{"__connect.errors.topic:" + topic, "__connect.errors.partition:0",
                                    "__connect.errors.offset:" + std::to_string(n),
                                    "__connect.errors.connector.name:sink-" + topic,
                                    std::string("__connect.errors.stage:TRANSFORMATION")})
      EXPECT_NE(hdrs.find(want), std::string::npos) << want << " in " << hdrs;
  }
  EXPECT_EQ(herder_->status("sink-" + topic)->tasks[0].state, "RUNNING");
}

TEST_F(RealKafkaTest, DlqReplayMovesFixedRecordsThroughAndCountsTheRest) {
  std::string topic = unique("dlqreplay"), dlqTopic = "dlq-" + topic, out = dir_.file("out.txt"), in = dir_.file("in.txt");
  // 200 lines: 10 that are not JSON (they fail again after the fix) and 10
  // whose "n" is not a number (the Cast refuses them; the fix removes it).
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += i % 20 == 7 ? "garbage " + std::to_string(i) + "\n"
            : i % 20 == 13 ? "{\"n\":\"x" + std::to_string(i) + "\"}\n"
                           : "{\"n\":" + std::to_string(i) + "}\n";
  writeFile(in, text);
  ASSERT_TRUE(herder_->create("src-" + topic, {{"connector.class", "FileStreamSource"}, {"file", in}, {"topic", topic},
                                               {"value.converter", "string"},
                                               {"topic.creation.default.partitions", "1"},
                                               {"topic.creation.default.replication.factor", "1"}}).isOk());
  config::ConfigMap sink{{"connector.class", "FileStreamSink"}, {"topics", topic}, {"file", out},
                         {"transforms", "cast,tag"}, {"transforms.cast.type", "Cast$Value"},
                         {"transforms.cast.spec", "n:int32"},
                         {"transforms.tag.type", "InsertField$Value"},
                         {"transforms.tag.static.field", "ok"}, {"transforms.tag.static.value", "1"},
                         {"errors.tolerance", "all"},
                         {"errors.deadletterqueue.topic.name", dlqTopic},
                         {"errors.deadletterqueue.topic.replication.factor", "1"},
                         {"errors.deadletterqueue.context.headers.enable", "true"}};
  std::string name = "sink-" + topic;
  ASSERT_TRUE(herder_->create(name, sink).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 180; }, 60s)) << readLines(out).size();
  ASSERT_TRUE(waitFor([&] { return metric("sluice_task_dlq_records_total", name) >= 20; }, 30s));
  runtime::DlqReplayOptions peek;
  peek.dryRun = true;
  // The sink's DLQ producer acknowledges its writes by the next checkpoint.
  auto pending = herder_->replayDeadLetters(name, peek);
  ASSERT_TRUE(pending.isOk()) << pending.status().message();
  ASSERT_TRUE(waitFor([&] {
    pending = herder_->replayDeadLetters(name, peek);
    return pending && pending->remaining >= 20;
  }, 30s));
  EXPECT_EQ(pending->remaining, 20);

  // The fix: no more Cast. The replay feeds the 20 dead letters through the
  // new pipeline: the 10 with a text "n" go through, the 10 garbage lines
  // fail again and go back to the DLQ.
  sink.erase("transforms.cast.type");
  sink.erase("transforms.cast.spec");
  sink["transforms"] = "tag";
  bool created = true;
  ASSERT_TRUE(herder_->put(name, sink, &created).isOk());
  auto rep = herder_->replayDeadLetters(name, {});
  ASSERT_TRUE(rep.isOk()) << rep.status().message();
  EXPECT_EQ(rep->replayed, 20);
  EXPECT_EQ(rep->succeeded, 10);
  EXPECT_EQ(rep->failed, 10);
  EXPECT_EQ(rep->remaining, 0);
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 190; }, 30s)) << readLines(out).size();
  std::set<std::string> replayed;
  for (const auto& l : readLines(out))
    if (l.find("\"x") != std::string::npos) replayed.insert(l);
  EXPECT_EQ(replayed.size(), 10u);
  for (int i = 13; i < 200; i += 20)
    EXPECT_EQ(replayed.count("{\"n\":\"x" + std::to_string(i) + "\",\"ok\":\"1\"}"), 1u) << i;

  // The ten that failed again wait for the next replay as "retrying" (not
  // "remaining": no replay loop runs forever on them), and fail again.
  EXPECT_EQ(rep->retrying, 10);
  pending = herder_->replayDeadLetters(name, peek);
  ASSERT_TRUE(pending.isOk());
  EXPECT_EQ(pending->remaining, 0);
  EXPECT_EQ(pending->retrying, 10);
  rep = herder_->replayDeadLetters(name, {});
  ASSERT_TRUE(rep.isOk()) << rep.status().message();
  EXPECT_EQ(rep->replayed, 10);
  EXPECT_EQ(rep->failed, 10);
  EXPECT_EQ(rep->retrying, 10);
  EXPECT_EQ(readLines(out).size(), 190u);
  // No DLQ: a clear refusal.
  auto none = herder_->replayDeadLetters("src-" + topic, {});
  ASSERT_FALSE(none.isOk());
  EXPECT_NE(none.status().message().find("errors.deadletterqueue.topic.name"), std::string::npos);
}

class BackpressureTest : public RealKafkaTest {
 protected:
  void configureMore() override {
    // A short poll interval: a sink that stalled the consumer would be thrown
    // out of the group within the test.
    wc_.consumerOverrides["session.timeout.ms"] = "6000";
    wc_.consumerOverrides["max.poll.interval.ms"] = "7000";
  }
};

TEST_F(BackpressureTest, SlowSinkPausesPartitionsWithoutLeavingTheGroup) {
  std::string topic = unique("slow"), out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen-" + topic, datagen(topic, 3000, 2)).isOk());
  ASSERT_TRUE(herder_->create("sink-" + topic, {{"connector.class", "test-sink"}, {"topics", topic}, {"file", out},
                                                {"retriable.ms", "15000"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 3000; }, 90s)) << readLines(out).size();
  EXPECT_EQ(readLines(out).size(), 3000u);
  EXPECT_EQ(metric("sluice_sink_task_partitions_rebalanced_total", "sink-" + topic, "event=\"revoked\""), 0)
      << "the consumer must stay in the group while the sink is busy for 15 s (> max.poll.interval.ms)";
  EXPECT_GE(metric("sluice_task_backpressure_seconds_total", "sink-" + topic), 10);
}

class CooperativeTest : public RealKafkaTest {
 protected:
  void configureMore() override { wc_.consumerOverrides["partition.assignment.strategy"] = "cooperative-sticky"; }
};

TEST_F(CooperativeTest, CooperativeStickyIsSelectableAndDeliversEverything) {
  std::string topic = unique("coop"), out = dir_.file("out.txt");
  startSettledSink(topic, 4, 2, out);
  ASSERT_TRUE(herder_->create("gen-" + topic, datagen(topic, 5000, 4)).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 5000; }, 90s)) << readLines(out).size();
  std::set<int64_t> seqs;
  std::set<int> tasks;
  for (const auto& l : readJsonSink(out)) {
    seqs.insert(l.value.at("seq").as_int64());
    tasks.insert(l.task);
  }
  EXPECT_EQ(seqs.size(), 5000u);
  EXPECT_EQ(tasks.size(), 2u);
}

class StaticMemberTest : public RealKafkaTest {
 protected:
  void configureMore() override { wc_.consumerOverrides["group.instance.id"] = prefix_; }
  std::string taskState(const std::string& name) {
    auto s = herder_->status(name);
    if (!s || s->tasks.empty()) return "?";
    return s->tasks[0].state + " " + s->tasks[0].trace;
  }
  std::string prefix_ = unique("fence");
};

// librdkafka makes a consumer unusable (a fatal error) when another member
// joins with its group.instance.id; it does so to itself when a session
// times out while the broker is away. The task must replace its consumer and
// go on, not sit RUNNING while nothing is consumed.
TEST_F(StaticMemberTest, AFencedSinkConsumerIsReplacedAndTheSinkGoesOn) {
  std::string topic = unique("fenced"), out = dir_.file("out.txt"), sink = "sink-" + topic;
  startSettledSink(topic, 2, 1, out);
  ASSERT_TRUE(herder_->create("gen-" + topic, datagen(topic, 1000, 2)).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 1000; }, 60s)) << readLines(out).size();

  // An intruder joins the group as the task's consumer: the broker fences
  // the task's consumer at its next heartbeat.
  auto intruder = kafka::newClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap()},
                                                       {"group.id", "connect-" + sink},
                                                       {"group.instance.id", prefix_ + "-" + sink + "-0"},
                                                       {"enable.auto.commit", "false"},
                                                       {"session.timeout.ms", "6000"}});
  ASSERT_TRUE(intruder.isOk()) << intruder.status().message();
  rd_kafka_poll_set_consumer(*intruder);
  auto* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(*intruder, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);
  bool replaced = waitFor([&] {
    if (auto* m = rd_kafka_consumer_poll(*intruder, 100)) rd_kafka_message_destroy(m);
    return metric("sluice_sink_task_consumer_replacements_total", sink) >= 1;
  }, 60s);
  rd_kafka_consumer_close(*intruder);
  rd_kafka_destroy(*intruder);
  ASSERT_TRUE(replaced) << "the fenced consumer was not replaced";

  // The new consumer has the partitions and goes on from the checkpoint.
  bool created = false;
  ASSERT_TRUE(herder_->put("gen-" + topic, datagen(topic, 3000, 2), &created).isOk());
  ASSERT_TRUE(waitFor([&] {
    std::set<int64_t> seqs;
    for (const auto& l : readJsonSink(out)) seqs.insert(l.value.at("seq").as_int64());
    return seqs.size() >= 3000;
  }, 90s)) << readLines(out).size() << " lines; task " << taskState(sink);
  std::set<int64_t> seqs;
  for (const auto& l : readJsonSink(out)) seqs.insert(l.value.at("seq").as_int64());
  EXPECT_EQ(seqs.size(), 3000u);
  EXPECT_EQ(*seqs.rbegin(), 2999);
}

}  // namespace
}  // namespace sluice::test

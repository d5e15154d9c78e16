// kafka_bench: the raw librdkafka side of the end-to-end benchmarks (the
// ceiling Sluice is measured against), and the harness's probes.
//
//   kafka_bench produce --bootstrap B --topic T --file F [-X k=v ...]
//       every line of F (without its newline) as one record value, no key:
//       what file-source and Kafka Connect's FileStreamSource do with F
//   kafka_bench consume --bootstrap B --topic T --group G --count N
//                       [--progress F] [--latency --warmup-ms W] [-X k=v ...]
//       from the beginning until N records arrived; --progress rewrites F with
//       "<unix seconds> <count>" every 50 ms once partitions are assigned; --latency measures now minus the
//       intended send time at the start of each value (load_pattern.h)
//   kafka_bench loadgen --bootstrap B --topic T --rate R --pattern P --count N
//                       [--size S] [--keys K] [-X k=v ...]
//       N timestamped records at an average R records/s, P = steady | poisson | burst
//   kafka_bench watch --bootstrap B --topic T --count N --out F [--interval-ms 50]
//                     [--timeout-s 300]
//       appends "<unix seconds> <records in T>" (the sum of the partitions'
//       high watermarks) to F every interval until N are there
//   kafka_bench create-topic --bootstrap B --topic T [--partitions P]
//       a new topic, replication factor 1; returns once every partition has a leader
//
// Each command prints one JSON object with its figures on stdout at the end,
// and exits non-zero with a message on stderr on any failure or deadline.
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "load_pattern.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "kafka_bench: %s\n", msg.c_str());
  std::exit(1);
}

double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// ,"cpu_s":user+system seconds,"maxrss_mib":peak RSS of this process so far.
std::string usage() {
  struct rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  char buf[96];
  std::snprintf(buf, sizeof buf, ",\"cpu_s\":%.3f,\"maxrss_mib\":%.1f", cpu, static_cast<double>(ru.ru_maxrss) / 1024.0);
  return buf;
}

struct Args {
  std::string cmd;
  std::map<std::string, std::string> opt;
  std::vector<std::pair<std::string, std::string>> props;  // -X key=value
  bool has(const std::string& k) const { return opt.count(k) > 0; }
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = opt.find(k);
    return it == opt.end() ? def : it->second;
  }
  std::string need(const std::string& k) const {
    if (!has(k)) die(cmd + ": --" + k + " is required");
    return opt.at(k);
  }
  long long num(const std::string& k, long long def) const {
    if (!has(k)) return def;
    char* end = nullptr;
    long long v = std::strtoll(opt.at(k).c_str(), &end, 10);
    if (*end != '\0') die("--" + k + ": not an integer: " + opt.at(k));
    return v;
  }
};

Args parse(int argc, char** argv) {
  if (argc < 2) die("usage: kafka_bench produce|consume|loadgen|watch --bootstrap B --topic T ... (see the source)");
  Args a;
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "-X" && i + 1 < argc) {
      std::string kv = argv[++i];
      auto eq = kv.find('=');
      if (eq == std::string::npos) die("-X " + kv + ": expected key=value");
      a.props.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (s == "--latency") {
      a.opt["latency"] = "1";
    } else if (s.rfind("--", 0) == 0 && i + 1 < argc) {
      a.opt[s.substr(2)] = argv[++i];
    } else {
      die("unexpected argument: " + s);
    }
  }
  return a;
}

rd_kafka_conf_t* makeConf(const Args& a, std::initializer_list<std::pair<const char*, const char*>> defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) die(k + ": " + err);
  };
  set("bootstrap.servers", a.need("bootstrap"));
  for (auto& [k, v] : defaults) set(k, v);
  for (auto& [k, v] : a.props) set(k, v);
  return conf;
}

std::atomic<long long> gDelivered{0}, gFailed{0};
std::string gFirstError;

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (gFailed++ == 0) gFirstError = rd_kafka_err2str(m->err);
  } else {
    ++gDelivered;
  }
}

rd_kafka_t* makeProducer(const Args& a) {
  rd_kafka_conf_t* conf = makeConf(a, {});
  rd_kafka_conf_set_dr_msg_cb(conf, onDelivery);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(std::string("producer: ") + err);
  return rk;
}

// Produces one record, waiting while the local queue is full.
void produce(rd_kafka_t* rk, rd_kafka_topic_t* t, const char* val, size_t len, const char* key, size_t klen) {
  while (rd_kafka_produce(t, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(val), len, key, klen,
                          nullptr) != 0) {
    rd_kafka_resp_err_t e = rd_kafka_last_error();
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(e));
    rd_kafka_poll(rk, 10);  // serves delivery reports; returns as soon as it served some
  }
}

void finishProducer(rd_kafka_t* rk, long long expected) {
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (gDelivered + gFailed < expected) {
    rd_kafka_flush(rk, 500);
    if (Clock::now() > deadline) die("not all records were acknowledged within 120 s");
  }
  if (gFailed > 0) die(std::to_string(gFailed.load()) + " records failed: " + gFirstError);
}

int cmdProduce(const Args& a) {
  std::string path = a.need("file");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path + ": " + std::strerror(errno));
  rd_kafka_t* rk = makeProducer(a);
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, a.need("topic").c_str(), nullptr);
  auto t0 = Clock::now();
  double w0 = wallSeconds();
  long long n = 0, bytes = 0;
  // Read in 1 MiB chunks like a tailing reader would (a mmap of the whole
  // file would count the file's pages in this process's RSS).
  std::vector<char> buf(1 << 20);
  size_t have = 0;
  while (true) {
    ssize_t got = ::read(fd, buf.data() + have, buf.size() - have);
    if (got < 0) die("read " + path + ": " + std::strerror(errno));
    if (got == 0) break;  // like file-source: a last line without its newline is not complete
    have += static_cast<size_t>(got);
    const char* p = buf.data();
    const char* end = buf.data() + have;
    while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) {
      size_t len = static_cast<size_t>(nl - p);
      produce(rk, t, p, len, nullptr, 0);
      bytes += static_cast<long long>(len);
      // Delivery reports once per 1,000 records, as an application producing
      // in batches would (and as sluice does once per polled batch).
      if (++n % 1000 == 0) rd_kafka_poll(rk, 0);
      p = nl + 1;
    }
    have = static_cast<size_t>(end - p);
    std::memmove(buf.data(), p, have);
    if (have == buf.size()) die(path + ": a line longer than 1 MiB");
  }
  ::close(fd);
  if (n == 0) die(path + " has no complete line");
  finishProducer(rk, n);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  std::printf("{\"records\":%lld,\"bytes\":%lld,\"seconds\":%.4f,\"start\":%.4f%s}\n", n, bytes, secs, w0,
              usage().c_str());
  return 0;
}

int cmdLoadgen(const Args& a) {
  sluice::bench::Pattern pat{};
  if (!sluice::bench::parsePattern(a.need("pattern"), pat)) die("--pattern: steady, poisson or burst");
  double rate = std::atof(a.need("rate").c_str());
  if (rate <= 0) die("--rate must be > 0");
  long long count = a.num("count", 0);
  if (count <= 0) die("--count must be > 0");
  size_t size = static_cast<size_t>(a.num("size", 160));
  uint64_t keys = static_cast<uint64_t>(a.num("keys", 1000));
  rd_kafka_t* rk = makeProducer(a);
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, a.need("topic").c_str(), nullptr);
  // Connected, with the topic's metadata, before the clock starts.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, t, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("no metadata for the topic within 10 s");
  rd_kafka_metadata_destroy(md);
  sluice::bench::Schedule sched(pat, rate);
  std::string value, key;
  const int64_t start = sluice::bench::nowUs() + 20'000;
  double due = start + sched.next();
  for (long long seq = 0; seq < count;) {
    int64_t now = sluice::bench::nowUs();
    if (due > static_cast<double>(now)) {
      rd_kafka_poll(rk, 0);
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(due) - now));
      continue;
    }
    // Everything due by now.
    while (seq < count && due <= static_cast<double>(now)) {
      sluice::bench::formatValue(value, static_cast<int64_t>(due), static_cast<uint64_t>(seq), size);
      key = "k" + std::to_string(sched.key(static_cast<uint64_t>(seq), keys));
      produce(rk, t, value.data(), value.size(), key.data(), key.size());
      ++seq;
      due = start + sched.next();
    }
    rd_kafka_poll(rk, 0);
  }
  double secs = static_cast<double>(sluice::bench::nowUs() - start) / 1e6;
  finishProducer(rk, count);
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  std::printf("{\"records\":%lld,\"seconds\":%.4f,\"offered_rate\":%.1f}\n", count, secs, rate);
  return 0;
}

int cmdConsume(const Args& a) {
  long long count = a.num("count", 0);
  if (count <= 0) die("--count must be > 0");
  bool latency = a.has("latency");
  long long warmupMs = a.num("warmup-ms", 1000);
  long long timeoutS = a.num("timeout-s", 300);
  std::string progressPath = a.get("progress");
  rd_kafka_conf_t* conf = makeConf(a, {{"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"}});
  char err[512];
  if (rd_kafka_conf_set(conf, "group.id", a.need("group").c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die(std::string("consumer: ") + err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, a.need("topic").c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk, topics); e) die(std::string("subscribe: ") + rd_kafka_err2str(e));
  rd_kafka_topic_partition_list_destroy(topics);

  // The progress file appears only once partitions are assigned, so that a
  // harness can wait for it before it starts producing.
  bool assigned = false;
  auto writeProgress = [&](long long n) {
    if (progressPath.empty()) return;
    if (!assigned) {
      rd_kafka_topic_partition_list_t* parts = nullptr;
      if (rd_kafka_assignment(rk, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts) {
        assigned = parts->cnt > 0;
        rd_kafka_topic_partition_list_destroy(parts);
      }
      if (!assigned && n == 0) return;
      assigned = true;
    }
    std::string tmp = progressPath + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fprintf(f, "%.4f %lld\n", wallSeconds(), n);
      std::fclose(f);
      std::rename(tmp.c_str(), progressPath.c_str());
    }
  };
  sluice::bench::LatencyRecorder rec;
  long long n = 0, bytes = 0, unparsable = 0;
  int64_t measureFrom = -1;
  auto deadline = Clock::now() + std::chrono::seconds(timeoutS);
  auto nextProgress = Clock::now();
  writeProgress(0);
  double firstAt = 0;
  while (n < count) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 50);
    auto now = Clock::now();
    if (now > deadline) die("only " + std::to_string(n) + " of " + std::to_string(count) + " records within the deadline");
    if (now >= nextProgress) {
      writeProgress(n);
      nextProgress = now + std::chrono::milliseconds(50);
    }
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) die(std::string("consume: ") + rd_kafka_message_errstr(m));
      rd_kafka_message_destroy(m);
      continue;
    }
    if (n == 0) firstAt = wallSeconds();
    ++n;
    bytes += static_cast<long long>(m->len);
    if (latency) {
      int64_t recvUs = sluice::bench::nowUs();
      int64_t ev = sluice::bench::parseEventUs(static_cast<const char*>(m->payload), m->len);
      if (ev < 0) {
        ++unparsable;
      } else {
        if (measureFrom < 0) measureFrom = ev + warmupMs * 1000;
        if (ev >= measureFrom) rec.add(recvUs - ev, ev);
      }
    }
    rd_kafka_message_destroy(m);
  }
  writeProgress(n);
  double lastAt = wallSeconds();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::printf("{\"records\":%lld,\"bytes\":%lld,\"first\":%.4f,\"last\":%.4f,\"unparsable\":%lld%s%s%s}\n", n, bytes,
              firstAt, lastAt, unparsable, usage().c_str(), latency ? ",\"latency\":" : "", latency ? rec.json().c_str() : "");
  return 0;
}

int cmdWatch(const Args& a) {
  long long count = a.num("count", 0);
  if (count <= 0) die("--count must be > 0");
  std::string topic = a.need("topic");
  long long intervalMs = a.num("interval-ms", 50);
  long long timeoutS = a.num("timeout-s", 300);
  FILE* out = std::fopen(a.need("out").c_str(), "a");
  if (!out) die("cannot write " + a.need("out"));
  // A consumer handle without a group: its metadata requests never create the topic.
  rd_kafka_conf_t* conf = makeConf(a, {{"allow.auto.create.topics", "false"}});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die(err);
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  auto deadline = Clock::now() + std::chrono::seconds(timeoutS);
  int partitions = 0;
  long long total = 0;
  while (true) {
    auto tick = Clock::now();
    if (tick > deadline) die(topic + ": " + std::to_string(total) + " of " + std::to_string(count) + " records within the deadline");
    if (partitions == 0) {
      // The topic may not exist yet (the contender creates it).
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 0, t, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) partitions = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
      }
    }
    total = 0;
    bool ok = partitions > 0;
    for (int p = 0; p < partitions && ok; ++p) {
      int64_t lo = 0, hi = 0;
      if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) ok = false;
      total += hi;
    }
    if (ok) {
      std::fprintf(out, "%.4f %lld\n", wallSeconds(), total);
      std::fflush(out);
      if (total >= count) break;
    }
    std::this_thread::sleep_until(tick + std::chrono::milliseconds(intervalMs));
  }
  std::fclose(out);
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  std::printf("{\"records\":%lld,\"partitions\":%d}\n", total, partitions);
  return 0;
}

// Creates the topic with --partitions (1) and replication factor 1, and waits
// until its metadata shows every partition with a leader; an existing topic
// is an error (every run gets a fresh one).
int cmdCreateTopic(const Args& a) {
  std::string topic = a.need("topic");
  int partitions = static_cast<int>(a.num("partitions", 1));
  rd_kafka_conf_t* conf = makeConf(a, {});
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(err);
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (!nt) die(err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) die("CreateTopics: no answer within 30 s");
  if (rd_kafka_event_error(ev)) die(std::string("CreateTopics: ") + rd_kafka_event_error_string(ev));
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t cnt = 0;
  const rd_kafka_topic_result_t** trs = rd_kafka_CreateTopics_result_topics(res, &cnt);
  if (cnt != 1 || rd_kafka_topic_result_error(trs[0]))
    die("create " + topic + ": " + (cnt ? rd_kafka_topic_result_error_string(trs[0]) : "no result"));
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  auto deadline = Clock::now() + std::chrono::seconds(30);
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  for (bool ready = false; !ready;) {
    if (Clock::now() > deadline) die(topic + ": partitions without a leader after 30 s");
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, t, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ready = md->topic_cnt == 1 && md->topics[0].err == 0 && md->topics[0].partition_cnt == partitions;
      for (int p = 0; ready && p < md->topics[0].partition_cnt; ++p)
        ready = md->topics[0].partitions[p].err == 0 && md->topics[0].partitions[p].leader >= 0;
      rd_kafka_metadata_destroy(md);
    }
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  std::printf("{\"topic\":\"%s\",\"partitions\":%d}\n", topic.c_str(), partitions);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.cmd == "produce") return cmdProduce(a);
  if (a.cmd == "consume") return cmdConsume(a);
  if (a.cmd == "loadgen") return cmdLoadgen(a);
  if (a.cmd == "watch") return cmdWatch(a);
  if (a.cmd == "create-topic") return cmdCreateTopic(a);
  die("unknown command " + a.cmd + " (produce, consume, loadgen, watch, create-topic)");
}

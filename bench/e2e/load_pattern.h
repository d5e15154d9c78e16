#pragma once
// Offered-load schedules and latency bookkeeping shared by the raw librdkafka
// load generator (kafka_bench.cc) and the Sluice bench plugins
// (plugins/bench_loadgen.cc, plugins/bench_latency_sink.cc), so that both
// sides of the latency comparison produce and measure exactly alike.
//
// A record's value starts with its *intended* send time (microseconds since
// the epoch, CLOCK_REALTIME), then a space, its sequence number, a space and
// padding up to the record size. Latency is measured from that intended time,
// not from the moment the generator got round to sending it, so a generator or
// pipeline that falls behind shows up in the numbers (no coordinated omission).
// Header-only, no dependencies but the standard library: plugins include it.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

inline int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

enum class Pattern { Steady, Poisson, Burst };

inline bool parsePattern(std::string_view s, Pattern& out) {
  if (s == "steady") out = Pattern::Steady;
  else if (s == "poisson") out = Pattern::Poisson;
  else if (s == "burst") out = Pattern::Burst;
  else return false;
  return true;
}

/// When each record is due, in microseconds after the start, for an average
/// rate of `rate` records/s:
/// - steady: evenly spaced, 1/rate apart; keys in sequence;
/// - poisson: exponential gaps with mean 1/rate (Poisson arrivals); random keys;
/// - burst: on/off in periods of `burstPeriodUs`: the first half of each
///   period at twice the rate, the second half silent (the same average).
class Schedule {
 public:
  static constexpr int64_t kBurstPeriodUs = 200'000;

  Schedule(Pattern p, double rate, uint64_t seed = 42) : p_(p), rate_(rate), rng_(seed) {}

  /// The due time of the next record (microseconds after the start).
  double next() {
    double t = t_;
    switch (p_) {
      case Pattern::Steady:
        t_ += 1e6 / rate_;
        break;
      case Pattern::Poisson:
        t_ += std::exponential_distribution<double>(rate_)(rng_) * 1e6;
        break;
      case Pattern::Burst: {
        // Within the "on" half, records are 1/(2*rate) apart; past it, jump to
        // the start of the next period.
        t_ += 1e6 / (2 * rate_);
        double period = std::floor(t_ / kBurstPeriodUs) * kBurstPeriodUs;
        if (t_ - period >= kBurstPeriodUs / 2.0) t_ = period + kBurstPeriodUs;
        break;
      }
    }
    return t;
  }

  /// The key of the next record: sequential for steady and burst, random for
  /// poisson, out of `keys` distinct ones.
  uint64_t key(uint64_t seq, uint64_t keys) {
    if (p_ == Pattern::Poisson) return std::uniform_int_distribution<uint64_t>(0, keys - 1)(rng_);
    return seq % keys;
  }

 private:
  Pattern p_;
  double rate_;
  double t_ = 0;
  std::mt19937_64 rng_;
};

/// Writes the value of record `seq` due at `eventUs` into `out`, padded with
/// 'x' to `size` bytes (longer if the numbers need more).
inline void formatValue(std::string& out, int64_t eventUs, uint64_t seq, size_t size) {
  out.clear();
  out += std::to_string(eventUs);
  out += ' ';
  out += std::to_string(seq);
  out += ' ';
  if (out.size() < size) out.append(size - out.size(), 'x');
}

/// The intended send time at the start of a value, or -1 if there is none.
inline int64_t parseEventUs(const char* data, size_t len) {
  int64_t v = -1;
  auto r = std::from_chars(data, data + len, v);
  return r.ec == std::errc() ? v : -1;
}

/// Exact latency percentiles: every sample is kept (4 bytes each; a 10 s run
/// at 1 M records/s holds 40 MB).
class LatencyRecorder {
 public:
  /// One record's latency `us`; `eventUs` is when it was due: the timeline
  /// keeps the worst latency per 100 ms of due time, which shows when a tail
  /// happened (one stall, a periodic one, or spread out).
  void add(int64_t us, int64_t eventUs) {
    uint32_t v = static_cast<uint32_t>(std::clamp<int64_t>(us, 0, UINT32_MAX));
    samples_.push_back(v);
    if (firstUs_ < 0) firstUs_ = eventUs;
    size_t b = static_cast<size_t>(std::max<int64_t>(0, eventUs - firstUs_) / kBucketUs);
    if (b >= kMaxBuckets) return;
    if (b >= timeline_.size()) timeline_.resize(b + 1, 0);
    timeline_[b] = std::max(timeline_[b], v);
  }
  size_t size() const { return samples_.size(); }

  /// {"count":N,"p50_us":..,"p90_us":..,"p99_us":..,"p999_us":..,"max_us":..,"mean_us":..,
  ///  "timeline_bucket_ms":100,"timeline_max_us":[worst latency per bucket, from the first measured record]}
  std::string json() {
    std::vector<uint32_t>& s = samples_;
    std::sort(s.begin(), s.end());
    auto q = [&](double f) -> uint64_t {
      if (s.empty()) return 0;
      size_t i = static_cast<size_t>(std::ceil(f * static_cast<double>(s.size()))) ;
      return s[std::min(s.size() - 1, i == 0 ? 0 : i - 1)];
    };
    double sum = 0;
    for (uint32_t v : s) sum += v;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"count\":%zu,\"p50_us\":%lu,\"p90_us\":%lu,\"p99_us\":%lu,\"p999_us\":%lu,\"max_us\":%lu,\"mean_us\":%.1f}",
                  s.size(), static_cast<unsigned long>(q(0.5)), static_cast<unsigned long>(q(0.9)),
                  static_cast<unsigned long>(q(0.99)), static_cast<unsigned long>(q(0.999)),
                  static_cast<unsigned long>(s.empty() ? 0 : s.back()), s.empty() ? 0.0 : sum / static_cast<double>(s.size()));
    std::string out(buf);
    out.pop_back();  // the closing brace
    out += ",\"timeline_bucket_ms\":" + std::to_string(kBucketUs / 1000) + ",\"timeline_max_us\":[";
    for (size_t i = 0; i < timeline_.size(); ++i) out += (i ? "," : "") + std::to_string(timeline_[i]);
    out += "]}";
    return out;
  }

 private:
  static constexpr int64_t kBucketUs = 100'000;
  static constexpr size_t kMaxBuckets = 36'000;  // an hour
  std::vector<uint32_t> samples_;
  std::vector<uint32_t> timeline_;
  int64_t firstUs_ = -1;
};

}  // namespace sluice::bench

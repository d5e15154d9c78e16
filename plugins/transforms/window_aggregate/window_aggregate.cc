#include "window_aggregate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "../common/config_util.h"
#include "../common/numbers.h"
#include "../common/state_codec.h"

namespace sluice::transforms {

namespace sc = statecodec;

namespace {
constexpr std::string_view kClock = "clock";
constexpr std::string_view kLate = "late";
constexpr std::string_view kWindow = "w/";

std::string formatDouble(double d) {
  if (!std::isfinite(d)) return "null";  // a sum can overflow; JSON has no infinities
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, res.ptr);
  // Keep doubles recognisable as such: "3" -> "3.0" (the shortest form drops it).
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

double parseDouble(std::string_view s, const std::string& where) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size())
    throw std::runtime_error("corrupt operator state under '" + where + "'");
  return d;
}

/// The running aggregate of one key in one window. Integers are summed
/// exactly until a double arrives or the sum overflows; then doubles.
struct Aggregate {
  int64_t start = 0;
  int64_t count = 0;
  bool integral = true;
  int64_t isum = 0, imin = 0, imax = 0;
  double dsum = 0, dmin = 0, dmax = 0;
  std::string topic;     // of the window's first record
  std::string keyBytes;  // key of the result record
  std::string keyJson;   // "key" of the result value

  void add(const Value& v) {
    if (integral && v.type == SLUICE_TYPE_INT) {
      int64_t s = 0;
      if (count == 0) {
        isum = imin = imax = v.i;
        ++count;
        return;
      }
      if (!__builtin_add_overflow(isum, v.i, &s)) {
        isum = s;
        imin = std::min(imin, v.i);
        imax = std::max(imax, v.i);
        ++count;
        return;
      }
    }
    if (integral) {
      integral = false;
      dsum = static_cast<double>(isum);
      dmin = static_cast<double>(imin);
      dmax = static_cast<double>(imax);
    }
    const double d = v.asDouble();
    if (count == 0) {
      dsum = dmin = dmax = d;
    } else {
      dsum += d;
      dmin = std::min(dmin, d);
      dmax = std::max(dmax, d);
    }
    ++count;
  }

  std::string sum() const { return integral ? std::to_string(isum) : formatDouble(dsum); }
  std::string min() const { return integral ? std::to_string(imin) : formatDouble(dmin); }
  std::string max() const { return integral ? std::to_string(imax) : formatDouble(dmax); }

  std::string encode() const {
    auto num = [&](int64_t i, double d) {
      if (integral) return std::to_string(i);
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, d);  // shortest form: reads back exactly
      return std::string(buf, res.ptr);
    };
    return sc::pack({integral ? "i" : "d", std::to_string(start), std::to_string(count), num(isum, dsum),
                     num(imin, dmin), num(imax, dmax), topic, keyBytes, keyJson});
  }

  static Aggregate decode(std::string_view v, const std::string& where) {
    auto f = sc::unpack(v);
    if (!f || f->size() != 9 || ((*f)[0] != "i" && (*f)[0] != "d"))
      throw std::runtime_error("corrupt operator state under '" + where + "'");
    Aggregate a;
    a.integral = (*f)[0] == "i";
    a.start = sc::parseStoredInt((*f)[1], where);
    a.count = sc::parseStoredInt((*f)[2], where);
    if (a.integral) {
      a.isum = sc::parseStoredInt((*f)[3], where);
      a.imin = sc::parseStoredInt((*f)[4], where);
      a.imax = sc::parseStoredInt((*f)[5], where);
    } else {
      a.dsum = parseDouble((*f)[3], where);
      a.dmin = parseDouble((*f)[4], where);
      a.dmax = parseDouble((*f)[5], where);
    }
    a.topic = (*f)[6];
    a.keyBytes = (*f)[7];
    a.keyJson = (*f)[8];
    return a;
  }
};
}  // namespace

WindowAggregate::WindowAggregate(const Init& init)
    : Transform(init), group_(config(), "group.field"), time_(config()) {
  const Config& c = config();
  if (auto f = optionalString(c, "field")) field_ = FieldPath::parse(*f, FieldSyntax::V2, "field");
  sizeMs_ = c.getInt("window.size.ms", 0);
  if (sizeMs_ < 1) throw ConfigError("option 'window.size.ms' must be at least 1 ms");
  latenessMs_ = c.getInt("allowed.lateness.ms", 0);
  if (latenessMs_ < 0) throw ConfigError("option 'allowed.lateness.ms' must not be negative");
  outputTopic_ = optionalString(c, "output.topic").value_or("");
  emitInput_ = c.getBool("emit.input", false);
  const std::vector<std::string> aggs = c.getList("aggregations");
  if (aggs.empty()) throw ConfigError("option 'aggregations' must name at least one of count, sum, min, max");
  for (const std::string& a : aggs) {
    if (a == "count") count_ = true;
    else if (a == "sum") sum_ = true;
    else if (a == "min") min_ = true;
    else if (a == "max") max_ = true;
    else throw ConfigError("option 'aggregations': unknown aggregation '" + a + "' (use count, sum, min, max)");
  }
  if ((sum_ || min_ || max_) && !field_)
    throw ConfigError("option 'field' is required for the sum, min and max aggregations");
  if (!state().available())
    throw ConfigError("WindowAggregate keeps operator state and needs a host with SDK ABI 1.1 or newer");
}

Status WindowAggregate::apply(Batch& batch) {
  // Record by record, firing as the watermark moves: results do not depend
  // on where batch boundaries fall, so a replay reproduces them.
  for (size_t i = 0, n = batch.size(); i < n; ++i) {
    Record r = batch[i];
    if (Status s = recordErrorsOnly([&] { add(batch, r); }); !s.isOk()) return s;
  }
  return Status::ok();
}

int64_t WindowAggregate::watermark() const {
  return clock_ == INT64_MIN ? INT64_MIN : saturatingSub(clock_, latenessMs_);
}

void WindowAggregate::add(Batch& batch, Record& r) {
  // Everything that can fail on a bad record comes before the first write.
  std::optional<std::string> id = group_.id(r);
  std::optional<Value> value;
  if (field_ && id) {
    Value v = r.get(SLUICE_PART_VALUE, field_->path());
    if (!isNull(v) && !v.isNumber())
      throw DataError("field '" + field_->text() + "' is not a number: " + typeName(v.type));
    if (!isNull(v)) value = std::move(v);
  }
  if (!id || (field_ && !value)) {  // nothing to aggregate
    if (!emitInput_) r.drop();
    return;
  }
  const int64_t t = time_.of(r);
  load();
  State st = state();
  const int64_t start = saturatingSub(t, floorMod(t, sizeMs_));
  const int64_t end = saturatingAdd(start, sizeMs_);
  if (clock_ != INT64_MIN && saturatingSub(end, 1) <= watermark()) {
    const int64_t late = sc::loadInt(st, kLate, 0) + 1;
    st.put(kLate, std::to_string(late));
    log(SLUICE_LOG_DEBUG, "late record not aggregated (" + std::to_string(late) + " so far): its window [" +
                              std::to_string(start) + ", " + std::to_string(end) + ") ends at or behind the watermark " +
                              std::to_string(watermark()));
  } else {
    const std::string key = sc::orderedPrefix(kWindow, end) + *id;
    Aggregate a;
    if (auto stored = st.get(key)) {
      a = Aggregate::decode(*stored, key);
    } else {
      auto parts = group_.parts(r);  // the forms the result record needs, once per window
      a.start = start;
      a.topic = r.topic();
      a.keyBytes = std::move(parts->bytes);
      a.keyJson = std::move(parts->json);
    }
    if (value) a.add(*value);
    else ++a.count;
    st.put(key, a.encode());
    open_.add(st, end);
  }
  if (!emitInput_) r.drop();
  if (t > clock_) {
    clock_ = t;
    st.put(kClock, std::to_string(t));
    fire(batch);
  }
}

void WindowAggregate::load() {
  if (loaded_) return;
  State st = state();
  clock_ = sc::loadInt(st, kClock, INT64_MIN);
  open_.load(st);
  loaded_ = true;
}

void WindowAggregate::fire(Batch& batch) {
  State st = state();
  open_.drain(st, watermark(), [&](int64_t end) {
    const std::string prefix = sc::orderedPrefix(kWindow, end);
    for (const auto& [id, stored] : sc::collect(st, prefix)) {  // in key byte order
      const std::string key = prefix + id;
      const Aggregate a = Aggregate::decode(stored, key);
      std::string value = "{\"key\":" + a.keyJson + ",\"window_start\":" + std::to_string(a.start) +
                          ",\"window_end\":" + std::to_string(end);
      if (count_) value += ",\"count\":" + std::to_string(a.count);
      if (sum_) value += ",\"sum\":" + a.sum();
      if (min_) value += ",\"min\":" + a.min();
      if (max_) value += ",\"max\":" + a.max();
      value += "}";
      const std::string topic = outputTopic_.empty() ? a.topic + ".windows" : outputTopic_;
      SourceRecord out;
      out.topic = topic;
      out.key = a.keyBytes;
      out.value = value;
      out.timestampMs = end - 1;
      batch.emit(out);
      st.erase(key);
    }
  });
}

}  // namespace sluice::transforms

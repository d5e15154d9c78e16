#include "deduplicate.h"

#include <algorithm>

#include "../common/numbers.h"
#include "../common/state_codec.h"

namespace sluice::transforms {

namespace sc = statecodec;

namespace {
constexpr std::string_view kClock = "clock";
constexpr std::string_view kEntry = "k/";
constexpr std::string_view kIndex = "e/";

struct Entry {
  int64_t seen;    // event time of the last record that passed
  int64_t bucket;  // end of the index bucket holding its e/ entry
};

std::optional<Entry> readEntry(const State& st, const std::string& key) {
  auto v = st.get(key);
  if (!v) return std::nullopt;
  auto f = sc::unpack(*v);
  if (!f || f->size() != 2) throw std::runtime_error("corrupt operator state under '" + key + "'");
  return Entry{sc::parseStoredInt((*f)[0], key), sc::parseStoredInt((*f)[1], key)};
}
}  // namespace

Deduplicate::Deduplicate(const Init& init) : Transform(init), key_(config(), "field"), time_(config()) {
  windowMs_ = config().getInt("window.ms", 0);
  if (windowMs_ < 1) throw ConfigError("option 'window.ms' must be at least 1 ms");
  bucketMs_ = std::max<int64_t>(1, windowMs_ / kBucketsPerWindow);
  if (!state().available())
    throw ConfigError("Deduplicate keeps operator state and needs a host with SDK ABI 1.1 or newer");
}

int64_t Deduplicate::bucketEnd(int64_t expiry) const {
  return saturatingAdd(saturatingSub(expiry, floorMod(expiry, bucketMs_)), bucketMs_);
}

Status Deduplicate::applyOne(Record& r) {
  return recordErrorsOnly([&] { dedup(r); });
}

void Deduplicate::dedup(Record& r) {
  // Everything that can fail on a bad record comes before the first write.
  const std::optional<std::string> id = key_.id(r);
  if (!id) return;  // no key: nothing to compare, the record passes
  const int64_t t = time_.of(r);
  load();
  State st = state();
  const int64_t clock = std::max(clock_, t);
  const std::string entryKey = std::string(kEntry) + *id;
  const std::optional<Entry> e = readEntry(st, entryKey);
  // An entry is forgotten once the clock is a window past it, whether or not
  // expire() has deleted it yet: results never depend on cleanup timing.
  const bool live = e && saturatingAdd(e->seen, windowMs_) > clock;
  if (live && t < saturatingAdd(e->seen, windowMs_) && t > saturatingSub(e->seen, windowMs_)) {
    r.drop();
  } else {
    const int64_t seen = live ? std::max(e->seen, t) : t;
    // A record a whole window behind the clock could never match again.
    if (!(live && seen == e->seen) && saturatingAdd(seen, windowMs_) > clock)
      remember(*id, seen, e ? std::optional<int64_t>(e->bucket) : std::nullopt);
  }
  advanceClock(t);
}

void Deduplicate::remember(const std::string& id, int64_t seen, std::optional<int64_t> oldBucket) {
  State st = state();
  const int64_t end = bucketEnd(saturatingAdd(seen, windowMs_));
  st.put(std::string(kEntry) + id, sc::pack({std::to_string(seen), std::to_string(end)}));
  if (oldBucket == end) return;  // its index entry is already in place
  if (oldBucket) st.erase(sc::orderedPrefix(kIndex, *oldBucket) + id);
  st.put(sc::orderedPrefix(kIndex, end) + id, "");
  buckets_.add(st, end);
}

void Deduplicate::load() {
  if (loaded_) return;
  State st = state();
  clock_ = sc::loadInt(st, kClock, INT64_MIN);
  buckets_.load(st);
  loaded_ = true;
}

void Deduplicate::advanceClock(int64_t t) {
  if (t <= clock_) return;
  clock_ = t;
  state().put(kClock, std::to_string(t));
  expire();
}

void Deduplicate::expire() {
  State st = state();
  // A bucket is due once every expiry time in it (at most end - 1) has passed.
  buckets_.drain(st, clock_, [&](int64_t end) {
    const std::string prefix = sc::orderedPrefix(kIndex, end);
    for (const auto& [id, unused] : sc::collect(st, prefix)) {
      st.erase(prefix + id);
      const std::string entryKey = std::string(kEntry) + id;
      // The key may have been seen again since, with its index entry in a
      // later bucket: then it stays.
      if (auto e = readEntry(st, entryKey); e && e->bucket == end) st.erase(entryKey);
    }
  });
}

}  // namespace sluice::transforms

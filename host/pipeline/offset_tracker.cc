#include "host/pipeline/offset_tracker.h"

#include "host/record/record.h"

namespace sluice::runtime {

OffsetTracker::Entry* OffsetTracker::add(const std::string& partition, std::string offset) {
  // Records come in runs of one partition: compare with the last one before
  // hashing the name.
  if (!last_ || last_->name != partition) {
    auto& p = parts_[partition];
    if (!p) {
      p = std::make_unique<Partition>();
      p->name = partition;
    }
    last_ = p.get();
  }
  Partition* p = last_;
  // std::deque keeps references to other elements valid on push_back and
  // pop_front, which is what makes the entry pointer a stable opaque.
  p->inflight.push_back(Entry{p, std::move(offset), false});
  ++pending_;
  return &p->inflight.back();
}

void OffsetTracker::ack(Entry* e) {
  e->acked = true;
  Partition* p = e->owner;
  while (!p->inflight.empty() && p->inflight.front().acked) {
    p->committable = std::move(p->inflight.front().offset);
    p->dirty = true;
    p->inflight.pop_front();
    --pending_;
  }
}

std::map<std::string, std::string> OffsetTracker::takeCommittable() {
  std::map<std::string, std::string> out;
  for (auto& [name, p] : parts_) {
    if (p->dirty && p->committable) {
      out[name] = *p->committable;
      p->dirty = false;
    }
  }
  return out;
}

std::string describeRecord(const Record& r) {
  if (r.offset >= 0) return " (record " + r.topic + "-" + std::to_string(r.partition) + "@" + std::to_string(r.offset) + ")";
  const std::string& offset = r.tracking ? static_cast<const OffsetTracker::Entry*>(r.tracking)->offset : r.sourceOffset;
  std::string out = " (record for " + r.topic;
  if (r.sourcePartition) out += " from source partition " + *r.sourcePartition;
  if (!offset.empty()) out += " at source offset " + offset;
  return out + ")";
}

}  // namespace sluice::runtime

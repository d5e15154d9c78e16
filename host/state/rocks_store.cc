#include "host/state/rocks_store.h"

#include <boost/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "host/common/log.h"

namespace sluice::state {
namespace json = boost::json;
namespace {
const char* kFamilies[] = {rocksdb::kDefaultColumnFamilyName.c_str(), "configs", "offsets", "state", "checkpoints", "undo"};
namespace fs = std::filesystem;

// Offsets of connector C live under "C\0<partition>": a prefix scan per connector.
std::string offsetKey(const std::string& connector, const std::string& partition) {
  std::string k = connector;
  k.push_back('\0');
  k += partition;
  return k;
}

// Everything of connector C lives under "C\0...": one prefix per connector.
std::string prefixOf(const std::string& connector) { return offsetKey(connector, ""); }
// The first key after every key of connector C.
std::string endOf(const std::string& connector) {
  std::string k = connector;
  k.push_back('\1');
  return k;
}

void appendBigEndian(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}
uint64_t readBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
// History entry of checkpoint `id`: "C\0" + 8-byte big-endian id (ordered by id).
std::string checkpointKey(const std::string& connector, uint64_t id) {
  std::string k = prefixOf(connector);
  appendBigEndian(k, id);
  return k;
}
// Undo entries of checkpoint `id`: "C\0<id>" + family tag ('o' offsets, 's' state) + key.
std::string undoKey(const std::string& connector, uint64_t id, char family, const std::string& key) {
  std::string k = checkpointKey(connector, id);
  k.push_back(family);
  k += key;
  return k;
}
// Undo values: "\1" + the old value, or "\0" when the key did not exist.
std::string undoValue(const rocksdb::Status& st, const std::string& old) {
  return st.ok() ? "\1" + old : std::string(1, '\0');
}
std::string seqKey(const std::string& connector) { return "checkpoint-seq\0" + connector; }

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// RocksDB's info log, into Sluice's log (logger sluice.rocksdb): warnings
// and errors only, each kind of message at most every 30 s (a full disk
// makes RocksDB repeat itself every few seconds). Not RocksDB's own LOG file
// in state.dir: the RocksDB 7.8 Debian ships has assertions on, and writing
// to that file again after a write to it failed (a full disk makes that
// happen: RocksDB logs the very error) aborts the process.
class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(std::string dir) : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), dir_(std::move(dir)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    int n = std::vsnprintf(buf, sizeof buf, format, ap);
    if (n < 0) return;
    std::string msg(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
    while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
    // A kind of message: its text without numbers (sizes, file numbers).
    std::string kind;
    for (char ch : msg)
      if (!std::isdigit(static_cast<unsigned char>(ch))) kind.push_back(ch);
    std::string line = "state store " + dir_ + ": " + msg;
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lk(mu_);
      auto& seen = seen_[kind];
      if (seen.at != std::chrono::steady_clock::time_point{} && now - seen.at < std::chrono::seconds(30)) {
        ++seen.repeated;
        return;
      }
      if (seen.repeated > 0) line += " (" + std::to_string(seen.repeated) + " more like it in the last 30 s)";
      seen = {now, 0};
      if (seen_.size() > 256) seen_.clear();
    }
    SLUICE_LOG(tag_, level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? log::Level::kError : log::Level::kWarn, line);
  }

 private:
  struct Seen {
    std::chrono::steady_clock::time_point at{};
    size_t repeated = 0;
  };
  log::Tag tag_{"sluice.rocksdb", "", -1};
  std::string dir_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
};

// A directory that holds files but no RocksDB CURRENT file is not a store we
// made: opening it with create_if_missing would silently start afresh.
Status checkStateDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::ok();
  if (!fs::is_directory(dir, ec)) return Status::io("state.dir " + dir + " is not a directory");
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::io("cannot read state.dir " + dir + ": " + ec.message());
  bool empty = it == fs::directory_iterator();
  if (!empty && !fs::exists(fs::path(dir) / "CURRENT", ec))
    return Status::io("state.dir " + dir + " is not empty but holds no Sluice state store (no CURRENT file); "
                      "refusing to start afresh over it: restore it, or point state.dir elsewhere");
  return Status::ok();
}
}  // namespace

Result<std::unique_ptr<RocksStore>> RocksStore::open(const std::string& dir) {
  if (auto s = checkStateDir(dir); !s) return s;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io("cannot create state.dir " + dir + ": " + ec.message());
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.max_background_jobs = 2;
  opts.info_log = std::make_shared<InfoLog>(dir);
  // Memtables of 8 MiB (RocksDB's default is 64 MiB per family): the store
  // holds offsets and operator state, written once per checkpoint. This also
  // bounds what a WAL file reserves on disk (RocksDB preallocates 1.1 times
  // the write buffer), and 32 MiB caps all families' memtables together.
  opts.db_write_buffer_size = 32 << 20;
  rocksdb::ColumnFamilyOptions cfo;
  cfo.write_buffer_size = 8 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : kFamilies) cfs.emplace_back(name, cfo);
  std::unique_ptr<RocksStore> s(new RocksStore());
  s->dir_ = dir;
  rocksdb::DB* db = nullptr;
  auto st = rocksdb::DB::Open(opts, dir, cfs, &s->handles_, &db);
  if (!st.ok()) return Status::io("cannot open state store at " + dir + ": " + st.ToString());
  s->db_.reset(db);
  s->configs_ = s->handles_[1];
  s->offsets_ = s->handles_[2];
  s->state_ = s->handles_[3];
  s->checkpoints_ = s->handles_[4];
  s->undo_ = s->handles_[5];
  return s;
}

uint64_t RocksStore::nextId(const std::string& connector, void* batchPtr) {
  auto* batch = static_cast<rocksdb::WriteBatch*>(batchPtr);
  std::string v;
  uint64_t next = 1;
  if (db_->Get(rocksdb::ReadOptions(), handles_[0], seqKey(connector), &v).ok()) next = readBigEndian(v) + 1;
  std::string enc;
  appendBigEndian(enc, next);
  batch->Put(handles_[0], seqKey(connector), enc);
  return next;
}

std::vector<uint64_t> RocksStore::historyIds(const std::string& connector) {
  // Cached: scanning the family would walk the tombstones every trimmed
  // checkpoint leaves until compaction, so each commit would cost more than
  // the one before.
  if (auto it = idsCache_.find(connector); it != idsCache_.end()) return it->second;
  std::vector<uint64_t> ids;
  std::string prefix = prefixOf(connector);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    ids.push_back(readBigEndian(std::string_view(it->key().data(), it->key().size()).substr(prefix.size())));
  idsCache_[connector] = ids;
  return ids;
}

void RocksStore::dropCheckpoint(const std::string& connector, uint64_t id, void* batchPtr) {
  auto* batch = static_cast<rocksdb::WriteBatch*>(batchPtr);
  batch->Delete(checkpoints_, checkpointKey(connector, id));
  batch->DeleteRange(undo_, checkpointKey(connector, id), checkpointKey(connector, id + 1));
}

Result<uint64_t> RocksStore::commit(const Commit& c, const Retention& retention) {
  std::lock_guard lk(commitMu_);
  rocksdb::WriteBatch batch;
  uint64_t id = c.checkpoint ? nextId(c.connector, &batch) : 0;
  size_t bytes = 0;
  auto write = [&](rocksdb::ColumnFamilyHandle* cf, char family, const std::string& key,
                   const std::optional<std::string>& value) {
    std::string full = offsetKey(c.connector, key);
    if (id) {
      std::string old;
      auto st = db_->Get(rocksdb::ReadOptions(), cf, full, &old);
      if (!st.ok() && !st.IsNotFound()) return Status::io("checkpoint read failed: " + st.ToString());
      batch.Put(undo_, undoKey(c.connector, id, family, key), undoValue(st, old));
    }
    if (value) {
      batch.Put(cf, full, *value);
      bytes += key.size() + value->size();
    } else {
      batch.Delete(cf, full);
    }
    return Status::ok();
  };
  for (const auto& [k, v] : c.offsets)
    if (auto s = write(offsets_, 'o', k, v); !s) return s;
  for (const auto& [k, v] : c.state)
    if (auto s = write(state_, 's', k, v); !s) return s;
  int64_t now = wallMs();
  std::vector<uint64_t> ids = historyIds(c.connector);
  std::vector<uint64_t> kept = ids;  // the history after this commit
  if (id) {
    json::object o{{"id", id},
                   {"task", c.task},
                   {"time_ms", now},
                   {"watermark_ms", c.watermarkMs},
                   {"origin", c.origin},
                   {"state_keys", c.state.size()},
                   {"bytes", bytes}};
    boost::system::error_code ec;
    json::value offs = json::parse(c.offsetsJson, ec);
    o["offsets"] = ec ? json::value(json::array()) : offs;
    batch.Put(checkpoints_, checkpointKey(c.connector, id), json::serialize(o));
    // Trim: oldest first, by count, then by age (never the one just written).
    size_t keep = std::max<size_t>(retention.count, 1);
    size_t total = ids.size() + 1;
    for (uint64_t old : ids) {
      bool tooMany = total > keep;
      bool tooOld = false;
      if (!tooMany && retention.maxAgeMs > 0) {
        std::string v;
        if (db_->Get(rocksdb::ReadOptions(), checkpoints_, checkpointKey(c.connector, old), &v).ok()) {
          boost::system::error_code pe;
          json::value pv = json::parse(v, pe);
          if (!pe && pv.is_object())
            if (auto* t = pv.as_object().if_contains("time_ms"); t && t->is_int64())
              tooOld = now - t->as_int64() > retention.maxAgeMs;
        }
      }
      if (!tooMany && !tooOld) break;
      dropCheckpoint(c.connector, old, &batch);
      kept.erase(kept.begin());
      --total;
    }
    kept.push_back(id);
  } else if (!ids.empty() && (!c.offsets.empty() || !c.state.empty())) {
    // A commit outside the history (checkpoints off) makes the history's undo
    // entries incomplete: rewinding across it would be wrong, so it goes.
    for (uint64_t old : ids) dropCheckpoint(c.connector, old, &batch);
    kept.clear();
  }
  auto st = writeSync(&batch);
  if (!st.ok()) return Status::io("checkpoint commit to state.dir " + dir_ + " failed: " + st.ToString());
  idsCache_[c.connector] = std::move(kept);
  return id;
}

std::optional<std::string> RocksStore::getState(const std::string& connector, const std::string& key) {
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), state_, offsetKey(connector, key), &v).ok()) return std::nullopt;
  return v;
}

void RocksStore::scanState(const std::string& connector, const std::string& prefix,
                           const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::string base = prefixOf(connector);
  std::string full = base + prefix;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), state_));
  for (it->Seek(full); it->Valid() && it->key().starts_with(full); it->Next()) {
    std::string_view k(it->key().data() + base.size(), it->key().size() - base.size());
    if (!fn(k, std::string_view(it->value().data(), it->value().size()))) break;
  }
}

std::vector<CheckpointInfo> RocksStore::checkpoints(const std::string& connector) {
  std::vector<CheckpointInfo> out;
  std::string prefix = prefixOf(connector);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    boost::system::error_code ec;
    json::value v = json::parse(it->value().ToString(), ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    auto num = [&](const char* k) -> int64_t {
      auto* f = o.if_contains(k);
      return f && f->is_int64() ? f->as_int64() : (f && f->is_uint64() ? static_cast<int64_t>(f->as_uint64()) : 0);
    };
    CheckpointInfo ci;
    ci.id = readBigEndian(std::string_view(it->key().data(), it->key().size()).substr(prefix.size()));
    ci.task = static_cast<int>(num("task"));
    ci.timeMs = num("time_ms");
    ci.watermarkMs = num("watermark_ms");
    ci.stateKeys = static_cast<size_t>(num("state_keys"));
    ci.bytes = static_cast<size_t>(num("bytes"));
    if (auto* g = o.if_contains("origin"); g && g->is_string()) ci.origin = std::string(g->as_string());
    if (auto* f = o.if_contains("offsets")) ci.offsetsJson = json::serialize(*f);
    out.push_back(std::move(ci));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Status RocksStore::rewind(const std::string& connector, uint64_t id) {
  std::lock_guard lk(commitMu_);
  std::vector<uint64_t> ids = historyIds(connector);
  if (std::find(ids.begin(), ids.end(), id) == ids.end())
    return Status::notFound("connector " + connector + " has no checkpoint " + std::to_string(id));
  rocksdb::WriteBatch batch;
  // Newest first: for a key several checkpoints wrote, the oldest undo (the
  // value right after checkpoint `id`) is applied last and wins.
  for (auto rit = ids.rbegin(); rit != ids.rend() && *rit > id; ++rit) {
    std::string prefix = checkpointKey(connector, *rit);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), undo_));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string_view rest(it->key().data() + prefix.size(), it->key().size() - prefix.size());
      if (rest.empty()) continue;
      auto* cf = rest[0] == 'o' ? offsets_ : state_;
      std::string key = offsetKey(connector, std::string(rest.substr(1)));
      std::string_view val(it->value().data(), it->value().size());
      if (!val.empty() && val[0] == '\1') batch.Put(cf, key, rocksdb::Slice(val.data() + 1, val.size() - 1));
      else batch.Delete(cf, key);
    }
    dropCheckpoint(connector, *rit, &batch);
  }
  auto st = writeSync(&batch);
  if (!st.ok()) return Status::io("rewind failed: " + st.ToString());
  std::erase_if(ids, [&](uint64_t x) { return x > id; });
  idsCache_[connector] = std::move(ids);
  return Status::ok();
}

Status RocksStore::clearHistory(const std::string& connector) {
  std::lock_guard lk(commitMu_);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(checkpoints_, prefixOf(connector), endOf(connector));
  batch.DeleteRange(undo_, prefixOf(connector), endOf(connector));
  auto st = writeSync(&batch);
  if (!st.ok()) return Status::io(st.ToString());
  idsCache_[connector].clear();
  return Status::ok();
}

Status RocksStore::savepoint(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) return Status::conflict("savepoint directory " + dir + " already exists");
  fs::create_directories(fs::path(dir).parent_path(), ec);
  rocksdb::Checkpoint* cp = nullptr;
  auto st = rocksdb::Checkpoint::Create(db_.get(), &cp);
  if (!st.ok()) return Status::io("cannot create savepoint: " + st.ToString());
  std::unique_ptr<rocksdb::Checkpoint> owned(cp);
  // Flush the memtables first, so the savepoint is a set of files with no WAL to replay.
  st = owned->CreateCheckpoint(dir, 0);
  if (!st.ok()) return Status::io("cannot write savepoint to " + dir + ": " + st.ToString());
  return Status::ok();
}

Status RocksStore::restoreSavepoint(const std::string& savepointDir, const std::string& stateDir) {
  std::error_code ec;
  if (!fs::exists(fs::path(savepointDir) / "CURRENT", ec))
    return Status::invalid("--from-savepoint " + savepointDir + " is not a savepoint (no CURRENT file)");
  if (fs::exists(stateDir, ec) && !fs::is_empty(stateDir, ec))
    return Status::conflict("cannot restore savepoint " + savepointDir + ": state.dir " + stateDir +
                            " already holds data; move it away or point state.dir at an empty directory");
  fs::create_directories(stateDir, ec);
  if (ec) return Status::io("cannot create state.dir " + stateDir + ": " + ec.message());
  fs::copy(savepointDir, stateDir, fs::copy_options::recursive, ec);
  if (ec) return Status::io("cannot copy savepoint " + savepointDir + " to " + stateDir + ": " + ec.message());
  return Status::ok();
}

rocksdb::Status RocksStore::writeSync(rocksdb::WriteBatch* batch) {
  // After a write error (a full disk) RocksDB refuses writes until it is
  // resumed. Resume first, then write: once space is back, this write works
  // and the store is writable again, with no restart.
  if (writeFailed_.load()) {
    // Busy: RocksDB is recovering by itself (it waits for free space).
    if (auto r = db_->Resume(); !r.ok()) {
      std::lock_guard lk(errorMu_);
      return rocksdb::Status::IOError("the store takes writes again once state.dir has space; the write that failed: " +
                                      lastWriteError_);
    }
    writeFailed_ = false;
    SLUICE_LOG((log::Tag{"sluice.rocksdb", "", -1}), log::Level::kInfo, "state store " + dir_ + " is writable again");
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Write(wo, batch);
  if (!st.ok() && !st.IsBusy() && !st.IsTryAgain()) {
    std::lock_guard lk(errorMu_);
    lastWriteError_ = st.ToString();
    writeFailed_ = true;
  }
  return st;
}

RocksStore::~RocksStore() {
  if (db_) {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
}

Status RocksStore::putOffsets(const std::string& connector,
                              const std::map<std::string, std::string>& offsets) {
  rocksdb::WriteBatch batch;
  for (const auto& [p, o] : offsets) batch.Put(offsets_, offsetKey(connector, p), o);
  auto st = writeSync(&batch);
  if (!st.ok()) return Status::io("offset commit to state.dir " + dir_ + " failed: " + st.ToString());
  return Status::ok();
}

std::optional<std::string> RocksStore::getOffset(const std::string& connector,
                                                 const std::string& partition) {
  std::string v;
  auto st = db_->Get(rocksdb::ReadOptions(), offsets_, offsetKey(connector, partition), &v);
  if (!st.ok()) return std::nullopt;
  return v;
}

std::map<std::string, std::string> RocksStore::offsets(const std::string& connector) {
  std::map<std::string, std::string> out;
  std::string prefix = offsetKey(connector, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), offsets_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    out[it->key().ToString().substr(prefix.size())] = it->value().ToString();
  return out;
}

Status RocksStore::clearOffsets(const std::string& connector) {
  rocksdb::WriteBatch batch;
  batch.DeleteRange(offsets_, prefixOf(connector), endOf(connector));
  auto st = writeSync(&batch);
  return st.ok() ? Status::ok() : Status::io(st.ToString());
}

Status RocksStore::putConnector(const Entry& e) {
  json::object cfg;
  for (const auto& [k, v] : e.config) cfg[k] = v;
  json::object o{{"config", std::move(cfg)}, {"target_state", e.targetState}};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Put(wo, configs_, e.name, json::serialize(o));
  return st.ok() ? Status::ok() : Status::io("cannot store connector config: " + st.ToString());
}

Status RocksStore::removeConnector(const std::string& name) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Delete(wo, configs_, name);
  return st.ok() ? Status::ok() : Status::io(st.ToString());
}

std::vector<ConfigStore::Entry> RocksStore::connectors() {
  std::vector<Entry> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), configs_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    boost::system::error_code ec;
    json::value v = json::parse(it->value().ToString(), ec);
    if (ec || !v.is_object()) continue;
    Entry e;
    e.name = it->key().ToString();
    if (auto* c = v.as_object().if_contains("config"); c && c->is_object())
      for (const auto& kv : c->as_object())
        if (kv.value().is_string()) e.config[std::string(kv.key())] = std::string(kv.value().as_string());
    if (auto* t = v.as_object().if_contains("target_state"); t && t->is_string())
      e.targetState = std::string(t->as_string());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sluice::state

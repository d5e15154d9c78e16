#include "host/state/rocks_store.h"

#include <boost/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

namespace sluice::state {
namespace json = boost::json;
namespace {
const char* kFamilies[] = {rocksdb::kDefaultColumnFamilyName.c_str(), "configs", "offsets", "state", "checkpoints"};

// Offsets of connector C live under "C\0<partition>": a prefix scan per connector.
std::string offsetKey(const std::string& connector, const std::string& partition) {
  std::string k = connector;
  k.push_back('\0');
  k += partition;
  return k;
}
}  // namespace

Result<std::unique_ptr<RocksStore>> RocksStore::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io("cannot create state.dir " + dir + ": " + ec.message());
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.max_background_jobs = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : kFamilies) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::unique_ptr<RocksStore> s(new RocksStore());
  s->dir_ = dir;
  rocksdb::DB* db = nullptr;
  auto st = rocksdb::DB::Open(opts, dir, cfs, &s->handles_, &db);
  if (!st.ok()) return Status::io("cannot open state store at " + dir + ": " + st.ToString());
  s->db_.reset(db);
  s->configs_ = s->handles_[1];
  s->offsets_ = s->handles_[2];
  return s;
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
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Write(wo, &batch);
  if (!st.ok()) return Status::io("offset commit failed: " + st.ToString());
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
  std::string prefix = offsetKey(connector, "");
  std::string end = connector;
  end.push_back('\1');
  rocksdb::WriteBatch batch;
  batch.DeleteRange(offsets_, prefix, end);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto st = db_->Write(wo, &batch);
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

#pragma once
// redis-sink: writes records to Redis with hiredis, one pipelined round trip
// per put batch.
//
//   SET   key = prefix + record key, value = the record value's bytes,
//         optional EX ttl; a tombstone (null value) DELs the key
//   HSET  key as SET, the value's JSON object fields merged into the hash
//         (strings as they are, anything else as JSON text), optional EXPIRE;
//         a tombstone DELs the key
//   XADD  to the stream prefix + (redis.stream.key or the topic), the value's
//         JSON object fields as the entry, optional MAXLEN [~]; tombstones
//         are skipped
//
// Failures: a connection that cannot be opened, breaks or times out, and
// server answers that mean "not now" (LOADING, BUSY, OOM, READONLY, ...) make
// the whole put retriable (the host offers the same batch again; SET, HSET
// and DEL replayed in order leave the same state). Credentials refused
// (NOAUTH, WRONGPASS, NOPERM) are fatal. Any other error answer, or a record
// the mode cannot write (no key, a value that is not a JSON object), is that
// record's own: reported errant (dead letter queue or task failure, by
// errors.tolerance) once the batch has otherwise succeeded.
//
// Every write is acknowledged by the server before put returns, so flush has
// nothing left to do: how durable an acknowledged write is, is the server's
// persistence setting (appendonly, appendfsync).

#include <sluice/cpp/plugin.hpp>

#include <hiredis/hiredis.h>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "redis_uri.h"

namespace sluice_plugins {

class RedisSink final : public sluice::SinkTask {
 public:
  enum class Command { Set, Hset, Xadd };

  explicit RedisSink(const sluice::Init& init);
  ~RedisSink() override;
  sluice::Status start() override;
  sluice::Status put(std::span<const sluice_record* const> records) override;
  sluice::Status flush() override;
  sluice::Status stop() override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

 private:
  // One command of the pipeline, for attributing its reply.
  struct Sent {
    const sluice_record* record;
    const char* command;
  };
  struct Errant {
    const sluice_record* record;
    std::string why;
  };

  sluice::Status connect();
  void disconnect();
  /// Appends the commands for one record; returns false (and fills `why`)
  /// when the record cannot be written in this mode.
  bool append(const sluice_record* r, std::string& why);
  void appendArgs(const sluice_record* r, const char* command);

  RedisUri uri_;
  Command command_ = Command::Set;
  std::string prefix_;
  int64_t ttlSeconds_ = 0;
  std::string streamKey_;
  int64_t maxlen_ = 0;
  bool maxlenApproximate_ = true;
  int timeoutMs_ = 5000;

  redisContext* c_ = nullptr;
  bool down_ = false;  // last attempt failed: log recovery once

  // Per-put scratch, reused.
  std::vector<Sent> sent_;
  std::vector<Errant> errant_;
  std::vector<std::string_view> args_;  // the command being appended
  std::deque<std::string> own_;          // arguments args_ points into (stable on push_back)
  std::vector<const char*> argv_;
  std::vector<size_t> argl_;
  std::string key_;
  std::string ttlText_, maxlenText_;
};

}  // namespace sluice_plugins

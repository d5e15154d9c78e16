#pragma once
// rabbitmq-source: consumes a RabbitMQ queue (AMQP 0-9-1, librabbitmq-c) into
// a Kafka topic, at least once across the bridge. Messages are consumed with
// manual acknowledgement; a message is acknowledged to RabbitMQ (basic.ack,
// `multiple` for a contiguous run of delivery tags) only after Kafka
// acknowledged its record (commitRecord, ABI 1.2). Whatever was not
// acknowledged when the connection or the process dies is redelivered by
// RabbitMQ, so a crash duplicates at most the unacknowledged window
// (rabbitmq.prefetch.count messages) and loses nothing.
//
// A lost connection is a retriable poll error: the host backs off and the
// next poll reconnects with a new session. Delivery tags belong to one
// channel, so the source offset carries the session, and acknowledgements
// for records of an earlier session are dropped (RabbitMQ has already
// requeued those messages).

#include <sluice/cpp/plugin.hpp>

#include <amqp.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace sluice_plugins {

class RabbitMqSource final : public sluice::SourceTask {
 public:
  explicit RabbitMqSource(const sluice::Init& init);
  ~RabbitMqSource() override;
  sluice::Status start() override;
  sluice::Status poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) override;
  sluice::Status stop() override;
  /// Kafka acknowledged one of our records: mark its delivery for basic.ack.
  sluice::Status commitRecord(const sluice::RecordView& rec);

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

  enum class KeySource { kNone, kRoutingKey, kMessageId, kCorrelationId, kHeader };

 private:
  /// Open the connection, channel, QoS and consumer. A fatal status for what
  /// a retry cannot fix (credentials, a missing queue), retriable otherwise.
  sluice::Status connect();
  /// Drop the connection; with `graceful`, close channel and connection
  /// first (bounded by the RPC timeout).
  void disconnect(bool graceful);
  /// basic.ack the longest acknowledged prefix of the deliveries.
  sluice::Status flushAcks();
  /// A frame other than a delivery arrived (server close, consumer cancel).
  sluice::Status handleOtherFrame();
  /// The error of an RPC reply as a status (fatal or retriable, see connect).
  sluice::Status replyStatus(const amqp_rpc_reply_t& r, const char* what);
  sluice::Status emit(sluice::Emitter& out, const amqp_envelope_t& env);

  // Where to connect (from rabbitmq.uri or the separate options).
  std::string host_;
  int port_ = 5672;
  std::string vhost_, user_, password_;
  std::string queue_;
  bool declare_ = false;
  int prefetch_;
  int timeoutMs_;
  int heartbeatS_;
  std::string topic_;
  KeySource keySource_ = KeySource::kNone;
  std::string keyHeader_;
  std::string partitionJson_;  // {"queue":"..."}

  amqp_connection_state_t conn_ = nullptr;
  uint64_t session_ = 0;  // counts connections; part of every source offset
  struct Delivery {
    uint64_t tag;
    bool committed;
  };
  std::deque<Delivery> unacked_;  // this session's deliveries not yet acked to RabbitMQ, in tag order
  uint64_t acked_ = 0;            // messages acked to RabbitMQ (logged at stop)
  uint64_t staleCommits_ = 0;     // commits for records of an earlier session
  // Scratch of the message being emitted (views must outlive emit()).
  std::vector<std::string> headerText_;
  std::vector<sluice_header> headers_;
};

}  // namespace sluice_plugins

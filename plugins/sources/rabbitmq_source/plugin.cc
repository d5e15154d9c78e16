#include "rabbitmq_source.h"

namespace sluice_plugins {

sluice::PluginInfo RabbitMqSource::info() {
  return {.name = "rabbitmq-source",
          .version = "1.0.0",
          .description = "Consumes a RabbitMQ queue into a Kafka topic; each message is acked to RabbitMQ only after "
                         "Kafka acknowledged its record (at least once), so a crash or a lost connection redelivers "
                         "and loses nothing.",
          // Confluent's io.confluent.connect.rabbitmq.RabbitMQSourceConnector.
          .aliases = "RabbitMQSource",
          .maxTasks = 0};
}

std::vector<sluice::Option> RabbitMqSource::options() {
  using T = sluice::OptionType;
  return {
      {.name = "rabbitmq.uri", .type = T::Password, .defaultValue = "",
       .doc = "Where and as whom to connect, as an AMQP URI: amqp://user:password@host:port/vhost (percent-encode a "
              "vhost of '/' as %2F). Secret: hidden in the REST API. When set, leave rabbitmq.host, port, "
              "virtual.host, username and password at their defaults. amqps:// (TLS) is not supported yet."},
      {.name = "rabbitmq.host", .type = T::String, .defaultValue = "localhost", .doc = "RabbitMQ host (without rabbitmq.uri)."},
      {.name = "rabbitmq.port", .type = T::Int, .defaultValue = "5672", .doc = "RabbitMQ AMQP port (without rabbitmq.uri).",
       .min = 1, .max = 65535},
      {.name = "rabbitmq.virtual.host", .type = T::String, .defaultValue = "/", .doc = "Virtual host (without rabbitmq.uri)."},
      {.name = "rabbitmq.username", .type = T::String, .defaultValue = "guest", .doc = "User name (without rabbitmq.uri)."},
      {.name = "rabbitmq.password", .type = T::Password, .defaultValue = "guest",
       .doc = "Password (without rabbitmq.uri). Secret: hidden in the REST API; use ${env:VAR} or ${file:PATH:KEY}."},
      {.name = "rabbitmq.queue", .type = T::String, .doc = "Queue to consume. Several tasks consume it as competing consumers.",
       .required = true},
      {.name = "rabbitmq.queue.declare", .type = T::Boolean, .defaultValue = "false",
       .doc = "Declare the queue (durable, not exclusive, not auto-delete) when it does not exist. Off: a missing queue "
              "fails the task."},
      {.name = "rabbitmq.prefetch.count", .type = T::Int, .defaultValue = "500",
       .doc = "basic.qos prefetch: how many messages may be delivered and not yet acked. It bounds the messages in "
              "flight to Kafka, and so the duplicates after a crash.",
       .min = 1, .max = 65535},
      {.name = "rabbitmq.connection.timeout.ms", .type = T::Int, .defaultValue = "10000",
       .doc = "Timeout of the TCP connect, the AMQP handshake and every RPC.", .min = 100},
      {.name = "rabbitmq.requested.heartbeat.seconds", .type = T::Int, .defaultValue = "30",
       .doc = "AMQP heartbeat to ask the broker for; 0: none. A dead connection is noticed after two missed heartbeats.",
       .min = 0, .max = 3600},
      {.name = "kafka.topic", .type = T::String, .doc = "Kafka topic the messages are written to.", .required = true},
      {.name = "kafka.key.source", .type = T::String, .defaultValue = "none",
       .doc = "What becomes the Kafka record key: none (null key), routing.key, message.id, correlation.id or header "
              "(the application header named by kafka.key.header). A message without it gets a null key.",
       .allowed = {"none", "routing.key", "message.id", "correlation.id", "header"}},
      {.name = "kafka.key.header", .type = T::String, .defaultValue = "",
       .doc = "The header whose value is the key, with kafka.key.source=header."},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::RabbitMqSource)

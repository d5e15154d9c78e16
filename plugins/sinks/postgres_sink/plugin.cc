#include "postgres_sink.h"

namespace sluice_plugins {

sluice::PluginInfo PostgresSink::info() {
  return {.name = "postgres-sink",
          .version = "1.0.0",
          .description = "Writes JSON record values into PostgreSQL tables (COPY or upsert), exactly once, with the "
                         "Kafka offsets committed in the same transaction.",
          .aliases = "PostgresSink,JdbcSink"};
}

std::vector<sluice::Option> PostgresSink::options() {
  using T = sluice::OptionType;
  return {
      {.name = "connection.url", .type = T::String,
       .doc = "The database: a libpq URI (postgresql://user@host:5432/db?sslmode=require) or key=value conninfo "
              "(host=... dbname=...). A Confluent-style jdbc:postgresql:// prefix is accepted.",
       .required = true},
      {.name = "connection.user", .type = T::String, .defaultValue = "",
       .doc = "Database role; overrides a user in connection.url. Empty: the URL's, or libpq's default."},
      {.name = "connection.password", .type = T::Password, .defaultValue = "",
       .doc = "Password of the role (secret: hidden in the REST API; use ${env:VAR} or ${file:PATH:KEY}). "
              "Empty: the URL's, PGPASSWORD or ~/.pgpass."},
      {.name = "table.name.format", .type = T::String, .defaultValue = "${topic}",
       .doc = "Table for a record; ${topic} is replaced by the record's topic. A dot in the format separates "
              "a schema (public.${topic}). Names are used verbatim (quoted identifiers)."},
      {.name = "insert.mode", .type = T::String, .defaultValue = "insert",
       .doc = "insert: rows are appended with COPY. upsert: INSERT ... ON CONFLICT (primary key) DO UPDATE, the "
              "latest record of a key wins; needs pk.mode.",
       .allowed = {"insert", "upsert"}},
      {.name = "pk.mode", .type = T::String, .defaultValue = "none",
       .doc = "Where the primary key comes from: none; record_key (the key's fields if it is a JSON object, else "
              "the key itself in the one column named by pk.fields); record_value (the value fields in pk.fields); "
              "kafka (topic, partition and offset columns).",
       .allowed = {"none", "record_key", "record_value", "kafka"}},
      {.name = "pk.fields", .type = T::List, .defaultValue = "",
       .doc = "Primary key columns, by pk.mode: record_key, the key fields to use (all when empty) or the column of "
              "a non-object key; record_value, the value fields (required); kafka, three column names "
              "(default __connect_topic,__connect_partition,__connect_offset)."},
      {.name = "auto.create", .type = T::Boolean, .defaultValue = "false",
       .doc = "Create a missing table from the fields of the first batch (types inferred from the JSON values, "
              "see the connector page), with the primary key of pk.mode."},
      {.name = "auto.evolve", .type = T::Boolean, .defaultValue = "false",
       .doc = "Add a nullable column (ALTER TABLE ... ADD COLUMN) for a field the table lacks. When false such a "
              "record is errant (dead letter queue under errors.tolerance=all)."},
      {.name = "batch.size", .type = T::Int, .defaultValue = "3000",
       .doc = "Most rows per COPY or INSERT statement. Each put is one transaction whatever its size.",
       .min = 1, .max = 1000000},
      {.name = "time.field", .type = T::String, .defaultValue = "",
       .doc = "A timestamptz column of this name holds each record's event time: the value's field of this name "
              "(epoch milliseconds, or ISO-8601 text; no zone means UTC), or the record's Kafka timestamp when the "
              "field is absent. Empty: no time column."},
      {.name = "partition.interval", .type = T::String, .defaultValue = "none",
       .doc = "With auto.create, create the table PARTITION BY RANGE (time.field) and a partition "
              "<table>_pYYYYMMDD[HH] / _pYYYYMM per interval as records need it. The primary key then also "
              "contains the time column.",
       .allowed = {"none", "hourly", "daily", "monthly"}},
      {.name = "offsets.table.name", .type = T::String, .defaultValue = "sluice_offsets",
       .doc = "Table holding the next Kafka offset per connector, topic and partition, written in the same "
              "transaction as the rows (exactly-once); created if missing. A dot separates a schema."},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::PostgresSink)

#include "http_sink.h"

namespace sluice_plugins {

sluice::PluginInfo HttpSink::info() {
  return {.name = "http-sink",
          .version = "1.0.0",
          .description = "POSTs records as JSON arrays to an HTTP endpoint, retrying 408, 429 and 5xx (honouring "
                         "Retry-After); other answers make the records errant.",
          .aliases = "HttpSink"};
}

std::vector<sluice::Option> HttpSink::options() {
  using T = sluice::OptionType;
  return {
      {.name = "http.api.url", .type = T::String, .doc = "Endpoint every batch is sent to (http:// or https://).",
       .required = true},
      {.name = "request.method", .type = T::String, .defaultValue = "POST", .doc = "HTTP method of each request.",
       .allowed = {"POST", "PUT"}},
      {.name = "request.body.format", .type = T::String, .defaultValue = "values",
       .doc = "values: a JSON array of the record values (a tombstone is null; a value that is not JSON is sent "
              "as a JSON string). records: an array of {\"topic\",\"partition\",\"offset\",\"timestamp\",\"key\","
              "\"value\"}, so the receiver can drop records a crash made it receive twice.",
       .allowed = {"values", "records"}},
      {.name = "batch.max.size", .type = T::Int, .defaultValue = "500",
       .doc = "Most records in one request; a put batch larger than this is sent as several requests.",
       .min = 1, .max = 100000},
      {.name = "batch.max.bytes", .type = T::Long, .defaultValue = "1048576",
       .doc = "Most bytes in one request body (a single larger record is still sent, alone).", .min = 1024},
      {.name = "headers", .type = T::String, .defaultValue = "",
       .doc = "Extra request headers, 'Name: value' separated by |. Not secret: put credentials in auth.*."},
      {.name = "auth.type", .type = T::String, .defaultValue = "NONE",
       .doc = "NONE; BASIC (connection.user, connection.password); BEARER (Authorization: Bearer auth.token); "
              "HEADER (auth.header.name: auth.token).",
       .allowed = {"NONE", "BASIC", "BEARER", "HEADER"}},
      {.name = "connection.user", .type = T::String, .defaultValue = "", .doc = "auth.type BASIC: the user."},
      {.name = "connection.password", .type = T::Password, .defaultValue = "",
       .doc = "auth.type BASIC: the password. A secret; ${env:VAR} and ${file:PATH:KEY} work."},
      {.name = "auth.token", .type = T::Password, .defaultValue = "",
       .doc = "auth.type BEARER or HEADER: the token. A secret; ${env:VAR} and ${file:PATH:KEY} work."},
      {.name = "auth.header.name", .type = T::String, .defaultValue = "X-API-Key",
       .doc = "auth.type HEADER: the header that carries auth.token."},
      {.name = "request.timeout.ms", .type = T::Int, .defaultValue = "30000",
       .doc = "Whole-request timeout; a request that takes longer is retried.", .min = 100, .max = 600000},
      {.name = "connect.timeout.ms", .type = T::Int, .defaultValue = "5000", .doc = "Connect timeout.", .min = 100,
       .max = 600000},
      {.name = "retry.after.max.ms", .type = T::Long, .defaultValue = "60000",
       .doc = "Longest Retry-After (seconds or an HTTP date) honoured after a 408, 429 or 5xx; longer ones are "
              "cut to this.",
       .min = 0},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::HttpSink)

/*
 * Sluice plugin ABI (C).
 *
 * This header is the whole contract between the Sluice host and a plugin
 * (source, sink, transform or predicate). It uses plain C types only, so a
 * plugin may be written in C, or in C++ through the header-only wrapper in
 * <sluice/cpp/plugin.hpp>, and built with any compiler.
 *
 * A plugin is a shared library that exports exactly one symbol,
 * SLUICE_ENTRY_SYMBOL ("sluice_plugin_entry"), a function returning a pointer
 * to a static sluice_plugin_descriptor. The host loads the library with
 * RTLD_LOCAL, reads the descriptor, checks `abi_major` before anything else,
 * copies min(struct_size, sizeof) bytes into a zero-filled copy of its own and
 * only then calls the plugin's hooks.
 *
 * Compatibility rules:
 *  - Structs that cross the boundary start with `struct_size`. New fields are
 *    only ever appended; readers use struct_size to see which fields exist.
 *  - The host-services table (sluice_host_api) only grows at the end.
 *  - Ownership: whoever allocates frees. Spans handed to a plugin by the host
 *    are host-owned and valid for the duration stated on each function
 *    (OWNERSHIP notes). Records a source emits are copied by the host during
 *    the emit call, so the plugin may reuse its buffers right after.
 *  - No exceptions, no C++ types, no allocator mixing across this boundary.
 *
 * Threading: one plugin instance is used by one task thread at a time. Hooks
 * of different instances may run concurrently, so plugin-global state must be
 * thread-safe. Host functions may be called only from within a hook of the
 * instance whose context they are given.
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SLUICE_EXPORT __declspec(dllexport)
#else
#define SLUICE_EXPORT __attribute__((visibility("default")))
#endif

/** Name of the one symbol every plugin exports. */
#define SLUICE_ENTRY_SYMBOL "sluice_plugin_entry"

/* ------------------------------------------------------------------------ */
/* Basic types                                                              */
/* ------------------------------------------------------------------------ */

/**
 * @brief A byte span. `data == NULL` means "absent" (a null key, a tombstone
 * value); a present but empty value has a non-NULL `data` and `len == 0`.
 * OWNERSHIP: never owns; the producer of the span says how long it lives.
 */
typedef struct sluice_span {
  const char* data;
  size_t len;
} sluice_span;

/**
 * @brief Result of every fallible call.
 * RETRIABLE means "try the same call again later" (Connect's
 * RetriableException); FATAL fails the task. Details go through
 * host_set_error() before the hook returns. When a host function answers
 * the plugin FATAL, the hook the plugin is in fails the task whatever it
 * returns.
 */
typedef enum sluice_status {
  SLUICE_OK = 0,
  SLUICE_RETRIABLE = 1,
  SLUICE_FATAL = 2,
  SLUICE_INVALID_CONFIG = 3,
  SLUICE_BAD_RECORD = 4,
  SLUICE_NOT_FOUND = 5
} sluice_status;

typedef enum sluice_kind {
  SLUICE_KIND_SOURCE = 1,
  SLUICE_KIND_SINK = 2,
  SLUICE_KIND_TRANSFORM = 3,
  SLUICE_KIND_PREDICATE = 4
} sluice_kind;

typedef enum sluice_log_level {
  SLUICE_LOG_TRACE = 0,
  SLUICE_LOG_DEBUG = 1,
  SLUICE_LOG_INFO = 2,
  SLUICE_LOG_WARN = 3,
  SLUICE_LOG_ERROR = 4
} sluice_log_level;

/** Which document of a record a structured accessor addresses. */
typedef enum sluice_part { SLUICE_PART_KEY = 0, SLUICE_PART_VALUE = 1 } sluice_part;

/** Transform variant chosen by the `$Key` / `$Value` suffix of its type. */
typedef enum sluice_variant {
  SLUICE_VARIANT_NONE = 0,
  SLUICE_VARIANT_KEY = 1,
  SLUICE_VARIANT_VALUE = 2
} sluice_variant;

/** Types of a structured (JSON-model) value. */
typedef enum sluice_type {
  SLUICE_TYPE_ABSENT = 0, /* the path does not exist */
  SLUICE_TYPE_NULL = 1,
  SLUICE_TYPE_BOOL = 2,
  SLUICE_TYPE_INT = 3,
  SLUICE_TYPE_DOUBLE = 4,
  SLUICE_TYPE_STRING = 5,
  SLUICE_TYPE_OBJECT = 6,
  SLUICE_TYPE_ARRAY = 7
} sluice_type;

/**
 * @brief A scalar view of a structured value.
 * `type` says which member is meaningful: `b` (BOOL), `i` (INT; for OBJECT
 * and ARRAY the number of members), `d` (DOUBLE), `str` (STRING).
 * OWNERSHIP: `str` returned by the host is valid until the record is next
 * modified or the hook returns; `str` passed to the host is copied.
 */
typedef struct sluice_value {
  int32_t type;
  int32_t b;
  int64_t i;
  double d;
  sluice_span str;
} sluice_value;

/** A record header. Values are bytes; a NULL value data means a null header. */
typedef struct sluice_header {
  sluice_span key;
  sluice_span value;
} sluice_header;

/**
 * @brief A record as sources emit it and sinks receive it.
 * Sources set `struct_size = sizeof(sluice_record)`, the topic (or leave it
 * absent to use the connector's `topic` default), key, value, optional
 * headers and timestamp (0 = now), and the source partition and source offset
 * as small JSON documents (e.g. {"file":"/a"} and {"position":42}).
 * Sinks additionally see the Kafka partition and offset.
 * OWNERSHIP: in on_put, the records, their spans and the pointer array are
 * host-owned and valid until on_put returns (a retried batch comes with new
 * pointers); emitted records are copied by the host inside host_emit().
 */
typedef struct sluice_record {
  uint32_t struct_size;
  int32_t partition;     /* Kafka partition; -1 lets the partitioner choose */
  int64_t offset;        /* Kafka offset (sinks); -1 for sources */
  int64_t timestamp_ms;  /* record timestamp, ms since epoch; 0 = now */
  sluice_span topic;
  sluice_span key;
  sluice_span value;
  const sluice_header* headers;
  uint32_t header_count;
  sluice_span source_partition; /* JSON object, sources only */
  sluice_span source_offset;    /* JSON value, sources only */
} sluice_record;

/* Opaque handles. The host owns all of them. */
typedef struct sluice_ctx sluice_ctx;         /* one per plugin instance */
typedef struct sluice_emitter sluice_emitter; /* target of a source poll */
typedef struct sluice_batch sluice_batch;     /* records given to a transform */
typedef struct sluice_rec sluice_rec;         /* one record inside a batch */
typedef struct sluice_instance sluice_instance; /* plugin-owned instance */

/* ------------------------------------------------------------------------ */
/* Host services                                                            */
/* ------------------------------------------------------------------------ */

/**
 * @brief Functions the host provides to a plugin, passed to on_create.
 * Entries are only ever appended; check `struct_size` (or `abi_minor`) before
 * using an entry newer than ABI 1.0.
 */
typedef struct sluice_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /** @brief Log a message tagged with the connector and task. */
  void (*host_log)(sluice_ctx* ctx, int32_t level, const char* msg, size_t len);

  /** @brief Attach a message to the non-OK status the hook is about to return.
   * The host copies the message. */
  void (*host_set_error)(sluice_ctx* ctx, const char* msg, size_t len);

  /**
   * @brief Read a config value after the host applied defaults and validated it.
   * @return 1 and the value in `out` when set (or defaulted), 0 when absent.
   * OWNERSHIP: host-owned, valid for the life of the instance.
   */
  int32_t (*host_config_get)(sluice_ctx* ctx, const char* key, sluice_span* out);

  /**
   * @brief Read the last committed source offset for a source partition.
   * @param partition the source partition as JSON (any key order).
   * @return 1 and the offset JSON in `out`, or 0 when nothing was committed.
   * OWNERSHIP: host-owned, valid until the next call on this ctx.
   */
  int32_t (*host_offset_get)(sluice_ctx* ctx, sluice_span partition, sluice_span* out);

  /**
   * @brief Emit one record from on_poll. The host copies it.
   * @return SLUICE_OK, or SLUICE_BAD_RECORD with a reason logged by the host.
   */
  sluice_status (*host_emit)(sluice_emitter* out, const sluice_record* rec);

  /** @brief Number of records in a transform batch. */
  size_t (*host_batch_size)(sluice_batch* batch);
  /** @brief Record `i` of a batch; valid until the hook returns. */
  sluice_rec* (*host_batch_at)(sluice_batch* batch, size_t i);

  /** @brief Topic of a record. OWNERSHIP: valid until modified or return. */
  sluice_span (*host_rec_topic)(sluice_rec* rec);
  void (*host_rec_set_topic)(sluice_rec* rec, sluice_span topic);
  int32_t (*host_rec_partition)(sluice_rec* rec);
  int64_t (*host_rec_offset)(sluice_rec* rec);
  int64_t (*host_rec_timestamp)(sluice_rec* rec);
  void (*host_rec_set_timestamp)(sluice_rec* rec, int64_t timestamp_ms);

  /**
   * @brief Read the value at `path` (an array of `depth` field names; depth 0
   * is the whole key or value) of a record's key or value document.
   * The host parses the document at most once per pass through the chain.
   * @return SLUICE_OK (out->type is SLUICE_TYPE_ABSENT when the path does not
   * exist) or SLUICE_BAD_RECORD when the bytes do not convert.
   */
  sluice_status (*host_rec_get)(sluice_rec* rec, int32_t part, const sluice_span* path,
                                size_t depth, sluice_value* out);
  /** @brief Set the value at `path`, creating intermediate objects. OBJECT and
   * ARRAY values are set empty. */
  sluice_status (*host_rec_set)(sluice_rec* rec, int32_t part, const sluice_span* path,
                                size_t depth, const sluice_value* value);
  /** @brief Remove the field at `path` (SLUICE_NOT_FOUND if it is absent). */
  sluice_status (*host_rec_remove)(sluice_rec* rec, int32_t part, const sluice_span* path,
                                   size_t depth);
  /**
   * @brief Copy (or move when `move` != 0) a subtree from one path to another,
   * possibly across key and value. Overlapping paths are handled (hoisting a
   * whole value into one of its own fields works).
   */
  sluice_status (*host_rec_copy)(sluice_rec* rec, int32_t from_part, const sluice_span* from,
                                 size_t from_depth, int32_t to_part, const sluice_span* to,
                                 size_t to_depth, int32_t move);
  /** @brief Serialize the subtree at `path` as JSON.
   * OWNERSHIP: host-owned, valid until the record is modified or the hook returns. */
  sluice_status (*host_rec_get_json)(sluice_rec* rec, int32_t part, const sluice_span* path,
                                     size_t depth, sluice_span* out);
  /** @brief Parse `json` and set it at `path`. */
  sluice_status (*host_rec_set_json)(sluice_rec* rec, int32_t part, const sluice_span* path,
                                     size_t depth, sluice_span json);
  /**
   * @brief List the field names of the object at `path` into `out` (up to `cap`).
   * @return the number of fields (may exceed cap: call again with more room).
   * OWNERSHIP: names are valid until the record is modified or the hook returns.
   */
  size_t (*host_rec_keys)(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth,
                          sluice_span* out, size_t cap);
  /** @brief The key or value as bytes (serialized by the converter if it was
   * changed); data == NULL for a null key or a tombstone. */
  sluice_status (*host_rec_get_raw)(sluice_rec* rec, int32_t part, sluice_span* out);
  /** @brief Replace the key or value with bytes (data == NULL sets null). */
  sluice_status (*host_rec_set_raw)(sluice_rec* rec, int32_t part, sluice_span bytes);

  uint32_t (*host_rec_header_count)(sluice_rec* rec);
  /** @brief Header `i`. OWNERSHIP: valid until headers change or return. */
  int32_t (*host_rec_header_at)(sluice_rec* rec, uint32_t i, sluice_header* out);
  void (*host_rec_header_add)(sluice_rec* rec, sluice_span key, sluice_span value);
  /** @return how many headers named `key` were removed. */
  uint32_t (*host_rec_header_remove)(sluice_rec* rec, sluice_span key);
  /** @brief Drop the record from the pipeline (Filter). */
  void (*host_rec_drop)(sluice_rec* rec);

  /* ---- ABI 1.1: operator state, watermarks, records made by transforms ---- */

  /**
   * @brief Read operator state. State is scoped to this connector, task and
   * plugin instance (a transform's alias), buffered by the host and committed
   * atomically with the task's offsets at each checkpoint; a read sees the
   * instance's own uncommitted writes.
   * @return 1 and the value in `out`, 0 when the key is absent, -1 when the
   * state could not be read (a storage error: treat it as fatal).
   * OWNERSHIP: host-owned, valid until the next state call on this ctx.
   */
  int32_t (*host_state_get)(sluice_ctx* ctx, sluice_span key, sluice_span* out);
  /** @brief Write operator state (the host copies key and value). */
  sluice_status (*host_state_put)(sluice_ctx* ctx, sluice_span key, sluice_span value);
  /** @brief Delete a key (absent keys are fine). */
  sluice_status (*host_state_delete)(sluice_ctx* ctx, sluice_span key);
  /**
   * @brief Visit every key starting with `prefix`, in byte order, merging
   * committed state with the instance's uncommitted writes. `visit` returns 0
   * to go on, anything else to stop. Spans are valid during the call only;
   * state must not be modified from inside `visit`.
   */
  sluice_status (*host_state_scan)(sluice_ctx* ctx, sluice_span prefix,
                                   int32_t (*visit)(void* user, sluice_span key, sluice_span value),
                                   void* user);
  /**
   * @brief The task's event-time watermark in ms: the largest event time seen
   * minus the connector's `watermark.allowed.lateness.ms`; INT64_MIN before
   * any record.
   */
  int64_t (*host_watermark)(sluice_ctx* ctx);
  /**
   * @brief Transforms: add a new record to the batch (e.g. a window result).
   * The host copies it; it joins the batch after the hook returns, so later
   * stages see it, and it carries no source offset. `topic` is required.
   */
  sluice_status (*host_batch_emit)(sluice_batch* batch, const sluice_record* rec);
  /**
   * @brief Sinks (Kafka Connect's errant record reporter, KIP-610): report a
   * record of the current on_put that cannot be delivered, and carry on with
   * the others. Under errors.tolerance=all the host writes it to the dead
   * letter queue (if one is set) before the offsets passing it are
   * committed; under none the task fails after the put returns.
   * @param rec one of the pointers the host passed to the on_put running
   * now. Record pointers are not identities: a retried batch comes with new
   * pointers (and without the records of partitions revoked meanwhile), so
   * keep a record's topic, partition and offset across calls, never its
   * pointer. Any other pointer fails the task as a plugin bug. A report is
   * taken at once, even if the put then answers RETRIABLE: do not report
   * the same record again on the retry.
   * @return SLUICE_OK when the record is taken care of, SLUICE_FATAL when the
   * task will fail (the plugin may stop the put early; the put fails
   * whatever it returns).
   */
  sluice_status (*host_report_errant)(sluice_ctx* ctx, const sluice_record* rec, const char* msg, size_t len);

  /* ---- ABI 1.3 ---- */

  /**
   * @brief Sources and sinks, from on_create only: whether this instance's
   * values are text (see SLUICE_FLAG_TEXT_VALUES), overriding the
   * descriptor's flag for it, e.g. for an option that says a file holds
   * JSON documents rather than lines of text.
   * @return SLUICE_OK, or SLUICE_FATAL outside on_create or from a transform.
   */
  sluice_status (*host_set_text_values)(sluice_ctx* ctx, int32_t text);
} sluice_host_api;

/** Arguments of on_create. */
typedef struct sluice_create_args {
  uint32_t struct_size;
  const sluice_host_api* host;
  sluice_ctx* ctx;            /* pass back to every host function */
  sluice_span connector_name; /* OWNERSHIP: valid for the instance's life */
  int32_t task_id;            /* 0-based; transforms get their task's id */
  int32_t task_count;
  int32_t variant;            /* sluice_variant, transforms only */
} sluice_create_args;

/* ------------------------------------------------------------------------ */
/* The descriptor a plugin exports                                          */
/* ------------------------------------------------------------------------ */

/** The plugin accepts `Name$Key` and `Name$Value` (Kafka Connect style). */
#define SLUICE_FLAG_KEY_VALUE_VARIANTS 0x1u
/**
 * (ABI 1.3) Sources and sinks: record values are text, as Kafka Connect's
 * FileStream connectors see them (a value with a string schema). A source's
 * emitted values are text that the host encodes with the connector's
 * value.converter (json: a JSON string, `alpha` -> `"alpha"`; string and
 * bytearray: the bytes as they are). A sink's values arrive decoded by the
 * value.converter (json: a JSON string's content, another JSON value as its
 * JSON text, JSON null as a null value; string and bytearray: as they are).
 * A value that does not convert is a conversion error under
 * errors.tolerance, before the plugin sees it.
 */
#define SLUICE_FLAG_TEXT_VALUES 0x2u

/**
 * @brief What a plugin is and what it can do.
 * `options_json` is a JSON array describing every config option:
 * [{"name":"topic","type":"string","required":true,"default":null,
 *   "doc":"...","secret":false,"validator":{"min":0,"max":10,"enum":[..]}}]
 * with type one of string, int, long, double, boolean, list, password.
 * Hooks marked (required) must be non-NULL for the plugin's kind.
 */
typedef struct sluice_plugin_descriptor {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  int32_t kind;            /* sluice_kind */
  uint32_t flags;          /* SLUICE_FLAG_* */
  const char* name;        /* unique, e.g. "file-sink" */
  const char* version;     /* the plugin's own version, e.g. "1.2.0" */
  const char* description; /* one line */
  const char* aliases;     /* comma-separated other names, or NULL */
  const char* options_json;
  uint32_t max_tasks;      /* 0 = no limit; sources/sinks */

  /** (required) Create an instance; the config is read via host_config_get. */
  sluice_status (*on_create)(const sluice_create_args* args, sluice_instance** out);
  /** (required) Free the instance. Always called once after a successful create. */
  void (*on_destroy)(sluice_instance* self);
  /** Optional: open connections, read committed offsets. */
  sluice_status (*on_start)(sluice_instance* self);
  /** Optional: release external resources; on_destroy follows. */
  sluice_status (*on_stop)(sluice_instance* self);

  /** (sources, required) Emit up to `max_records` records via host_emit,
   * waiting at most `timeout_ms` for data. Zero records is fine. */
  sluice_status (*on_poll)(sluice_instance* self, sluice_emitter* out, uint32_t max_records,
                           uint32_t timeout_ms);

  /** (sinks, required) Take a batch. RETRIABLE: the host pauses the
   * partitions and offers the same batch again later (backpressure). */
  sluice_status (*on_put)(sluice_instance* self, const sluice_record* const* records,
                          size_t count);
  /** (sinks, required) Make everything put so far durable. The host commits
   * the Kafka offsets of those records only after this returns OK. */
  sluice_status (*on_flush)(sluice_instance* self);

  /** (transforms, required) Edit the batch in place through host_rec_*. */
  sluice_status (*on_apply)(sluice_instance* self, sluice_batch* batch);

  /** (predicates, required) Set results[i] to 1 or 0 for each record. */
  sluice_status (*on_test)(sluice_instance* self, sluice_batch* batch, uint8_t* results);

  /* ---- ABI 1.2 ---- */

  /**
   * @brief (sources, optional) Kafka acknowledged a record this instance
   * emitted (Kafka Connect's SourceTask.commitRecord): a source that must
   * confirm each message to its own system (a queue's ack) does it from here,
   * so that nothing is confirmed before Kafka has it.
   *
   * Called once for every emitted record that carries a `source_partition`,
   * when the record is settled: written to Kafka (`topic`, `partition` and
   * `offset` say where), dropped by a transform, or written to the dead letter
   * queue under errors.tolerance=all (then `topic` is absent and `partition`
   * and `offset` are -1). A record whose write failed is never committed; the
   * task fails instead. Calls come in acknowledgement order, which across
   * Kafka partitions is not emit order. At a graceful stop the host waits
   * (bounded by the worker's task shutdown timeout) for outstanding
   * acknowledgements and makes these calls before on_stop; after a crash the
   * calls for unacknowledged records never come, so the source redelivers.
   *
   * Called on the task thread between polls, never during another hook of
   * this instance; keep it short (record what was acknowledged and do the
   * I/O in the next on_poll or in on_stop). Hosts before ABI 1.2 never call
   * it, and refuse a plugin built against 1.2.
   * @param rec `source_partition` (canonical JSON: the host sorts its keys)
   * and `source_offset` (as emitted); the Kafka topic, partition, offset and
   * timestamp it was written with (0 when it was not written to its topic);
   * key, value and headers are absent.
   * OWNERSHIP: host-owned, valid until the call returns.
   * @return SLUICE_OK; any other status fails the task with the message set
   * through host_set_error.
   */
  sluice_status (*on_commit_record)(sluice_instance* self, const sluice_record* rec);
} sluice_plugin_descriptor;

/** Type of the entry symbol. */
typedef const sluice_plugin_descriptor* (*sluice_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PLUGIN_H */

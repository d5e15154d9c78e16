/*
 * counter-source: emits the values {"n":0}, {"n":1}, ... to the connector's
 * `topic`, stopping after `max` records (0 = never). Its source partition is
 * {"counter":0} and its source offset {"n":N}, so after a restart it resumes
 * at the record after the last one Kafka acknowledged.
 *
 * Written in plain C against the ABI header alone: no C++ wrapper. Rules it
 * follows: the descriptor starts with struct_size/abi_major/abi_minor; the
 * plugin frees what it allocates (the instance, in on_destroy); spans from
 * the host are only read while the hook runs; host_emit copies the record.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <sluice/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One instance per task; it is only ever called from that task's thread. */
typedef struct counter {
  const sluice_host_api* host;
  sluice_ctx* ctx;
  long long next; /* the next n to emit */
  long long max;  /* 0 = unbounded */
} counter;

static const char PARTITION[] = "{\"counter\":0}";

static sluice_span span_of(const char* s, size_t len) {
  sluice_span sp = {s, len};
  return sp;
}

static sluice_status fail(counter* c, sluice_status code, const char* msg) {
  c->host->host_set_error(c->ctx, msg, strlen(msg)); /* the host copies it */
  return code;
}

static sluice_status on_create(const sluice_create_args* args, sluice_instance** out) {
  counter* c = calloc(1, sizeof *c);
  if (!c) return SLUICE_FATAL;
  c->host = args->host;
  c->ctx = args->ctx;
  /* Config values are strings, already validated and defaulted by the host.
   * The span is host-owned and not NUL-terminated: copy before parsing. */
  sluice_span v;
  if (c->host->host_config_get(c->ctx, "max", &v)) {
    char buf[32] = {0};
    memcpy(buf, v.data, v.len < sizeof buf - 1 ? v.len : sizeof buf - 1);
    c->max = strtoll(buf, NULL, 10);
  }
  *out = (sluice_instance*)c;
  return SLUICE_OK;
}

static void on_destroy(sluice_instance* self) { free(self); }

/* Resume: ask the host for the last committed offset of our partition. */
static sluice_status on_start(sluice_instance* self) {
  counter* c = (counter*)self;
  sluice_span off;
  if (c->host->host_offset_get(c->ctx, span_of(PARTITION, sizeof PARTITION - 1), &off)) {
    char buf[64] = {0};
    const char* colon;
    memcpy(buf, off.data, off.len < sizeof buf - 1 ? off.len : sizeof buf - 1);
    colon = strchr(buf, ':'); /* {"n":N} */
    if (!colon) return fail(c, SLUICE_FATAL, "counter-source: unreadable stored offset");
    c->next = strtoll(colon + 1, NULL, 10) + 1;
    snprintf(buf, sizeof buf, "resuming at n=%lld", c->next);
    c->host->host_log(c->ctx, SLUICE_LOG_INFO, buf, strlen(buf));
  }
  return SLUICE_OK;
}

static sluice_status on_poll(sluice_instance* self, sluice_emitter* out, uint32_t max_records,
                             uint32_t timeout_ms) {
  counter* c = (counter*)self;
  uint32_t i;
  for (i = 0; i < max_records && (c->max == 0 || c->next < c->max); ++i) {
    char json[48];
    int len = snprintf(json, sizeof json, "{\"n\":%lld}", c->next);
    sluice_record rec;
    sluice_status s;
    memset(&rec, 0, sizeof rec);
    rec.struct_size = sizeof rec;
    rec.partition = -1;                     /* let the partitioner choose */
    rec.offset = -1;
    rec.timestamp_ms = 0;                   /* now */
    rec.topic = span_of(NULL, 0);           /* absent: the connector's `topic` */
    rec.key = span_of(NULL, 0);             /* null key */
    rec.value = span_of(json, (size_t)len);
    rec.source_partition = span_of(PARTITION, sizeof PARTITION - 1);
    rec.source_offset = rec.value;          /* {"n":N} doubles as the offset */
    s = c->host->host_emit(out, &rec);      /* copies the record */
    if (s != SLUICE_OK) return s;           /* the host knows why */
    c->next++;
  }
  if (i == 0) { /* done (max reached): wait instead of spinning */
    struct timespec ts = {(time_t)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  return SLUICE_OK;
}

/* Default values are strings, like everything a user writes in a config. */
static const char OPTIONS[] =
    "[{\"name\":\"topic\",\"type\":\"string\",\"required\":true,"
    "\"doc\":\"Topic to write to.\"},"
    "{\"name\":\"max\",\"type\":\"long\",\"default\":\"0\","
    "\"doc\":\"Stop after emitting this many records; 0 = never stop.\","
    "\"validator\":{\"min\":0}}]";

static const sluice_plugin_descriptor DESCRIPTOR = {
    .struct_size = sizeof(sluice_plugin_descriptor),
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .kind = SLUICE_KIND_SOURCE,
    .name = "counter-source",
    .version = "0.1.0",
    .description = "Emits {\"n\":0}, {\"n\":1}, ... and resumes after a restart (SDK example, C).",
    .options_json = OPTIONS,
    .max_tasks = 1, /* one counter: a second task would emit the same numbers */
    .on_create = on_create,
    .on_destroy = on_destroy,
    .on_start = on_start,
    .on_poll = on_poll,
    /* on_stop, on_put, on_flush, on_apply, on_test: not needed (NULL). */
};

/* The one exported symbol. SLUICE_EXPORT overrides -fvisibility=hidden. */
SLUICE_EXPORT const sluice_plugin_descriptor* sluice_plugin_entry(void) { return &DESCRIPTOR; }

/* A synthetic plugin "built with ABI 1.9" (or -DMAJOR=2 for 2.0), for the
 * compatibility matrix. Its descriptor, entries and timers are longer than
 * the host's header knows: each ends with fields of a future ABI, filled with
 * garbage (pointers that would crash if followed). A 1.x host must read only
 * the fields it knows, walking the arrays at this plugin's stride. Its
 * plugin.toml asks for ABI 1.0 only, so a 1.1 host loads it.
 *
 * -DMARKER=\"path\": a constructor (run by dlopen) writes that file, so a
 * test can prove that a refused plugin's code never ran.
 *
 * Entries: `about` -> {"built":"MAJOR.MINOR","host":"MAJOR.MINOR"};
 * `echo` -> the argument bytes; `count` -> {"count":N}, N calls so far.
 * Timers: `first` (1 h) and `second` (2 h), never started. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

#ifndef MAJOR
#define MAJOR 1
#endif
#ifndef MINOR
#define MINOR 9
#endif

#ifdef MARKER
__attribute__((constructor)) static void mark(void) {
    FILE *file = fopen(MARKER, "w");
    if (file) { fputs("the library's code ran\n", file); fclose(file); }
}
#endif

/* Garbage where a future ABI has fields: an address nothing maps. */
#define GARBAGE ((uintptr_t)0xA5A5A5A5A5A5A5A5u)

typedef struct future_entry { neko_entry known; uintptr_t since_1_9[3]; } future_entry;
typedef struct future_timer { neko_timer known; uintptr_t since_1_9[2]; } future_timer;
typedef struct future_plugin { neko_plugin known; uintptr_t since_1_9[5]; } future_plugin;

typedef struct instance { char about[96]; atomic_ulong calls; } instance;

static void answer(const neko_call *call, const char *data, size_t len) {
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)data, len, NULL};
    call->complete(call, &result);
}

static void *create(const neko_host *host, neko_error *error) {
    if (host->struct_size < NEKO_HOST_SIZE_1_0) {
        error->status = NEKO_ERR_INTERNAL;
        snprintf(error->message, sizeof error->message, "host table of %u bytes", host->struct_size);
        return NULL;
    }
    instance *self = calloc(1, sizeof *self);
    snprintf(self->about, sizeof self->about, "{\"built\":\"%d.%d\",\"host\":\"%u.%u\"}",
             MAJOR, MINOR, host->abi.major, host->abi.minor);
    if (NEKO_HAS_FIELD(host, neko_host, log) && host->log) host->log(host, NEKO_LOG_DEBUG, "built with 1.9", 14);
    return self;
}

static neko_status start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }

static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    unsigned long calls = atomic_fetch_add(&self->calls, 1) + 1;
    char text[32];
    switch (call->entry_index) {
    case 0: answer(call, self->about, strlen(self->about)); break;
    case 1: answer(call, (const char *)call->args, call->args_len); break;
    default:
        snprintf(text, sizeof text, "{\"count\":%lu}", calls);
        answer(call, text, strlen(text));
    }
}

static void on_timer(void *self, uint32_t index) { (void)self; (void)index; }
static void stop(void *self) { (void)self; }
static void destroy(void *self) { free(self); }

#define ENTRY(id_, description_) \
    {{.struct_size = sizeof(future_entry), .id = id_, .description = description_}, {GARBAGE, GARBAGE, GARBAGE}}
static const future_entry entries[] = {
    ENTRY("about", "Which ABI built it, and which its host speaks."),
    ENTRY("echo", "Returns its arguments."),
    ENTRY("count", "Counts its calls."),
};
static const future_timer timers[] = {
    {{.struct_size = sizeof(future_timer), .id = "first", .interval_ms = 3600 * 1000}, {GARBAGE, GARBAGE}},
    {{.struct_size = sizeof(future_timer), .id = "second", .interval_ms = 7200 * 1000}, {GARBAGE, GARBAGE}},
};
static const future_plugin plugin = {
    .known = {
        .struct_size = sizeof(future_plugin), .abi = {MAJOR, MINOR},
        .plugin_id = "future", .sdk = "c", .entry_count = 3, .entries = &entries[0].known,
        .timer_count = 2, .timers = &timers[0].known,
        .create = create, .start = start, .invoke = invoke, .on_timer = on_timer, .stop = stop, .destroy = destroy,
    },
    .since_1_9 = {GARBAGE, GARBAGE, GARBAGE, GARBAGE, GARBAGE},
};

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) {
    (void)host;
    return &plugin.known;
}

/* Reload tests: build with -DVERSION=N (and -DFAIL_START for a build whose
 * start fails). `hit` answers {"version":N,"count":C}; the count survives a
 * reload through save_state/restore_state; `nap` takes 200 ms, and reports
 * progress 0, "napping" as it starts (ABI 1.1 hosts): a caller that listens
 * knows the call is in flight. */
#define _POSIX_C_SOURCE 199309L
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "neko_abi.h"

#ifndef VERSION
#define VERSION 1
#endif

typedef struct instance { atomic_long count; const neko_host *host; } instance;

static void answer(const neko_call *call, const char *text) {
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)text, strlen(text), NULL};
    call->complete(call, &result);
}

static void *create(const neko_host *host, neko_error *error) {
    (void)error;
    instance *self = calloc(1, sizeof(instance));
    if (self != NULL) self->host = host;
    return self;
}

static neko_status start(void *self, neko_error *error) {
    (void)self;
#ifdef FAIL_START
    error->status = NEKO_ERR_EXECUTION_FAILED;
    strcpy(error->message, "start refused on purpose");
    return NEKO_ERR_EXECUTION_FAILED;
#else
    (void)error;
    return NEKO_OK;
#endif
}

static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    char text[96];
    if (call->entry_index == 0) {
        long count = atomic_fetch_add(&self->count, 1) + 1;
        snprintf(text, sizeof text, "{\"version\":%d,\"count\":%ld}", VERSION, count);
        answer(call, text);
    } else {
        if (NEKO_HAS_FIELD(self->host, neko_host, progress) && self->host->progress)
            self->host->progress(self->host, call, 0, 0, "napping", strlen("napping"));
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
        answer(call, "{\"napped\":true}");
    }
}

static neko_status save_state(void *opaque, const neko_sink *sink, neko_error *error) {
    (void)error;
    instance *self = opaque;
    char text[32];
    int length = snprintf(text, sizeof text, "%ld", atomic_load(&self->count));
    sink->write(sink, (const uint8_t *)text, (size_t)length);
    return NEKO_OK;
}

static neko_status restore_state(void *opaque, const uint8_t *data, size_t len, neko_error *error) {
    (void)error;
    instance *self = opaque;
    char text[32] = {0};
    memcpy(text, data, len < sizeof text - 1 ? len : sizeof text - 1);
    atomic_store(&self->count, atol(text));
    return NEKO_OK;
}

static void stop(void *self) { (void)self; }
static void destroy(void *self) { free(self); }

static const neko_entry entries[] = {
    {sizeof(neko_entry), 0, "hit", NULL, "Counts, and says which build answered.", NULL, 0, 0},
    {sizeof(neko_entry), 0, "nap", NULL, "Takes 200 ms.", NULL, 0, 0},
};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "versioned", .sdk = "c", .entry_count = 2, .entries = entries,
    .create = create, .start = start, .invoke = invoke, .stop = stop, .destroy = destroy,
    .save_state = save_state, .restore_state = restore_state,
};
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

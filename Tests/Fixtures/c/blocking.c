/* Host must run sync entries that block off Swift's cooperative pool: `hold` blocks its thread until `release` is called. */
/*
 * id "blocking", two sync entries:
 *   hold     blocks the calling thread until `release` has been called
 *            (a condition variable), then answers {"released":true}; after
 *            30 s without a release it answers {"released":false}, so a
 *            host that never lets `release` run fails a test instead of
 *            hanging it.
 *   holding  {"count":N}: blocks until N holds are waiting (at most 30 s),
 *            then answers {"holding":n}, how many were.
 *   release  lets every `hold`, present and future, answer; {}.
 * Needs pthreads in libc (glibc 2.34 or later); else add -pthread.
 */
#define _POSIX_C_SOURCE 200809L

#include "neko_abi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct blocking {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* broadcast by release and when a hold starts waiting */
    int released;
    int holding; /* holds waiting */
} blocking;

static void finish(const neko_call *call, neko_status status, const char *text)
{
    neko_result result = { sizeof(neko_result), status, (const uint8_t *)text, strlen(text), NULL };
    call->complete(call, &result);
}

static void *fx_create(const neko_host *host, neko_error *error)
{
    (void)host;
    blocking *self = calloc(1, sizeof *self);
    if (self == NULL) {
        error->status = NEKO_ERR_EXECUTION_FAILED;
        strcpy(error->message, "blocking: out of memory");
        return NULL;
    }
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    return self;
}

static neko_status fx_start(void *self, neko_error *error)
{
    (void)self;
    (void)error;
    return NEKO_OK;
}

enum { ENTRY_HOLD, ENTRY_HOLDING, ENTRY_RELEASE };

/* The first unsigned number in the arguments (eg {"count":4}), or 0. */
static int count_in(const neko_call *call)
{
    int count = 0, seen = 0;
    for (size_t i = 0; i < call->args_len; i++) {
        uint8_t c = call->args[i];
        if (c >= '0' && c <= '9') { count = count * 10 + (c - '0'); seen = 1; }
        else if (seen) break;
    }
    return count;
}

static struct timespec in_30_seconds(void)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 30;
    return until;
}

static void fx_invoke(void *instance, const neko_call *call)
{
    blocking *self = instance;
    switch (call->entry_index) {
    case ENTRY_HOLD: {
        struct timespec until = in_30_seconds();
        pthread_mutex_lock(&self->lock);
        self->holding++;
        pthread_cond_broadcast(&self->changed);
        int timed_out = 0;
        while (!self->released && !timed_out)
            timed_out = pthread_cond_timedwait(&self->changed, &self->lock, &until) != 0;
        int released = self->released;
        self->holding--;
        pthread_mutex_unlock(&self->lock);
        finish(call, NEKO_OK, released ? "{\"released\":true}" : "{\"released\":false}");
        return;
    }
    case ENTRY_HOLDING: {
        int count = count_in(call);
        struct timespec until = in_30_seconds();
        pthread_mutex_lock(&self->lock);
        int timed_out = 0;
        while (self->holding < count && !timed_out)
            timed_out = pthread_cond_timedwait(&self->changed, &self->lock, &until) != 0;
        char text[32];
        snprintf(text, sizeof text, "{\"holding\":%d}", self->holding);
        pthread_mutex_unlock(&self->lock);
        finish(call, NEKO_OK, text);
        return;
    }
    case ENTRY_RELEASE:
        pthread_mutex_lock(&self->lock);
        self->released = 1;
        pthread_cond_broadcast(&self->changed);
        pthread_mutex_unlock(&self->lock);
        finish(call, NEKO_OK, "{}");
        return;
    default:
        finish(call, NEKO_ERR_NOT_FOUND, "blocking: no entry at this index");
        return;
    }
}

static void fx_destroy(void *instance)
{
    blocking *self = instance;
    pthread_cond_destroy(&self->changed);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

static const neko_entry entries[] = {
    [ENTRY_HOLD] = {
        .struct_size = sizeof(neko_entry),
        .id = "hold",
        .description = "Blocks until release is called (at most 30 s), then answers whether it was released.",
        .args_schema = "{\"type\":\"object\"}",
    },
    [ENTRY_HOLDING] = {
        .struct_size = sizeof(neko_entry),
        .id = "holding",
        .description = "Blocks until `count` holds are waiting (at most 30 s); answers how many are.",
        .args_schema = "{\"type\":\"object\"}",
    },
    [ENTRY_RELEASE] = {
        .struct_size = sizeof(neko_entry),
        .id = "release",
        .description = "Lets every hold answer.",
        .args_schema = "{\"type\":\"object\"}",
    },
};

static const neko_plugin descriptor = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "blocking",
    .plugin_version = "1.0.0",
    .swift_version = NULL,
    .sdk = "c",
    .entry_count = sizeof entries / sizeof entries[0],
    .entries = entries,
    .create = fx_create,
    .start = fx_start,
    .invoke = fx_invoke,
    .destroy = fx_destroy,
};

EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    return &descriptor;
}

/* Host must deliver `later`'s completion from another thread after invoke returned, and end `never` only through cancel (NEKO_ERR_CANCELED). */
/*
 * id "asyncc", two async entries:
 *   later  completes from a new pthread about 1 ms after invoke returns,
 *          with {"done":true}; a cancel arrives too late and is ignored.
 *   never  never completes by itself; `cancel(call_id)` completes it with
 *          NEKO_ERR_CANCELED. The pending calls sit in a small locked table.
 *          Once a call is in the table, it reports progress 0, "pending"
 *          (ABI 1.1 hosts): a caller that listens knows the call is held. 
 * `stop` completes any `never` call still pending (NEKO_ERR_CANCELED) and
 * waits for the `later` threads, so no completion outlives the instance.
 * Needs pthreads in libc (glibc 2.34 or later); else add -pthread.
 */
#define _POSIX_C_SOURCE 200809L

#include "neko_abi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PENDING 64

typedef struct pending {
    uint64_t call_id;
    const neko_call *call; /* NULL: a free slot */
} pending;

typedef struct asyncc {
    const neko_host *host;
    pthread_mutex_t lock;
    pthread_cond_t idle;            /* broadcast when `threads` drops to 0 */
    unsigned threads;               /* `later` threads not yet finished */
    pending table[MAX_PENDING];     /* `never` calls in flight */
} asyncc;

typedef struct later_job {
    asyncc *self;
    const neko_call *call;
} later_job;

static void finish(const neko_call *call, neko_status status, const char *text)
{
    neko_result result = { sizeof(neko_result), status, (const uint8_t *)text, strlen(text), NULL };
    call->complete(call, &result);
}

static void *fx_create(const neko_host *host, neko_error *error)
{
    asyncc *self = calloc(1, sizeof *self);
    if (self == NULL) {
        error->status = NEKO_ERR_EXECUTION_FAILED;
        snprintf(error->message, sizeof error->message, "asyncc: out of memory");
        return NULL;
    }
    self->host = host;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->idle, NULL);
    return self;
}

static neko_status fx_start(void *self, neko_error *error)
{
    (void)self;
    (void)error;
    return NEKO_OK;
}

static void *later_main(void *arg)
{
    later_job job = *(later_job *)arg;
    free(arg);
    struct timespec one_ms = { 0, 1000000 };
    nanosleep(&one_ms, NULL);
    finish(job.call, NEKO_OK, "{\"done\":true}");
    pthread_mutex_lock(&job.self->lock);
    if (--job.self->threads == 0) pthread_cond_broadcast(&job.self->idle);
    pthread_mutex_unlock(&job.self->lock);
    return NULL;
}

static void invoke_later(asyncc *self, const neko_call *call)
{
    later_job *job = malloc(sizeof *job);
    if (job == NULL) {
        finish(call, NEKO_ERR_EXECUTION_FAILED, "asyncc: out of memory");
        return;
    }
    *job = (later_job){ self, call };
    pthread_mutex_lock(&self->lock);
    self->threads++;
    pthread_mutex_unlock(&self->lock);

    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int failed = pthread_create(&thread, &attr, later_main, job);
    pthread_attr_destroy(&attr);
    if (failed) {
        free(job);
        pthread_mutex_lock(&self->lock);
        if (--self->threads == 0) pthread_cond_broadcast(&self->idle);
        pthread_mutex_unlock(&self->lock);
        finish(call, NEKO_ERR_EXECUTION_FAILED, "asyncc: cannot start a thread");
    }
}

static void invoke_never(asyncc *self, const neko_call *call)
{
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < MAX_PENDING; i++) {
        if (self->table[i].call == NULL) {
            self->table[i] = (pending){ call->call_id, call };
            /* Under the lock: cancel and stop take the call out (and complete
             * it) under this lock too, so `call` is still live here. */
            if (NEKO_HAS_FIELD(self->host, neko_host, progress) && self->host->progress)
                self->host->progress(self->host, call, 0, 0, "pending", strlen("pending"));
            pthread_mutex_unlock(&self->lock);
            return; /* completes in cancel or stop */
        }
    }
    pthread_mutex_unlock(&self->lock);
    finish(call, NEKO_ERR_UNAVAILABLE, "asyncc: too many pending calls of never (64)");
}

enum { ENTRY_LATER, ENTRY_NEVER };

static void fx_invoke(void *self, const neko_call *call)
{
    switch (call->entry_index) {
    case ENTRY_LATER: invoke_later(self, call); return;
    case ENTRY_NEVER: invoke_never(self, call); return;
    default: finish(call, NEKO_ERR_NOT_FOUND, "asyncc: no entry at this index"); return;
    }
}

/* [any-thread] Takes the call out of the table under the lock, so exactly
 * one of cancel and stop completes it; completes outside the lock. */
static void fx_cancel(void *instance, uint64_t call_id)
{
    asyncc *self = instance;
    const neko_call *call = NULL;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < MAX_PENDING; i++) {
        if (self->table[i].call != NULL && self->table[i].call_id == call_id) {
            call = self->table[i].call;
            self->table[i].call = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&self->lock);
    if (call != NULL) finish(call, NEKO_ERR_CANCELED, "asyncc: canceled by the caller");
}

/* Safe to call twice: the second call finds an empty table and no thread. */
static void fx_stop(void *instance)
{
    asyncc *self = instance;
    const neko_call *left[MAX_PENDING];
    size_t count = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < MAX_PENDING; i++) {
        if (self->table[i].call != NULL) {
            left[count++] = self->table[i].call;
            self->table[i].call = NULL;
        }
    }
    while (self->threads > 0) pthread_cond_wait(&self->idle, &self->lock);
    pthread_mutex_unlock(&self->lock);
    for (size_t i = 0; i < count; i++)
        finish(left[i], NEKO_ERR_CANCELED, "asyncc: stopped before the call completed");
}

static void fx_destroy(void *instance)
{
    asyncc *self = instance;
    fx_stop(self); /* the host may destroy without stop, eg after a failed start */
    pthread_cond_destroy(&self->idle);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

static const neko_entry entries[] = {
    [ENTRY_LATER] = {
        .struct_size = sizeof(neko_entry),
        .flags = NEKO_ENTRY_ASYNC,
        .id = "later",
        .description = "Completes from another thread about 1 ms later with {\"done\":true}.",
        .args_schema = "{\"type\":\"object\"}",
    },
    [ENTRY_NEVER] = {
        .struct_size = sizeof(neko_entry),
        .flags = NEKO_ENTRY_ASYNC,
        .id = "never",
        .description = "Never completes by itself; cancel it.",
        .args_schema = "{\"type\":\"object\"}",
    },
};

static const neko_plugin descriptor = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "asyncc",
    .plugin_version = "1.0.0",
    .swift_version = NULL,
    .sdk = "c",
    .entry_count = sizeof entries / sizeof entries[0],
    .entries = entries,
    .create = fx_create,
    .start = fx_start,
    .invoke = fx_invoke,
    .cancel = fx_cancel,
    .stop = fx_stop,
    .destroy = fx_destroy,
};

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    return &descriptor;
}

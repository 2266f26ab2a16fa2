/* ABI 1.1 from C: a call's context, progress, cancel of an outgoing call,
 * a call chain, host-side argument checks, hints and a result schema.
 *
 *   whoami   answers {"caller":..,"depth":N,"deadline_left_ms":N,"parent":false,"call_id":N}
 *            from the 1.1 fields of its call (read with NEKO_HAS_FIELD);
 *   relay    (async) calls <self>:whoami through neko_host.call (parent
 *            left NULL: the host knows which call this thread serves) and
 *            answers its result;
 *   relay_named  (async) the same, naming its call as the parent;
 *   recurse  (async) calls <self>:recurse again, for ever: the host's depth
 *            bound ends it;
 *   progress reports 3 steps through neko_host.progress, then answers {"steps":3};
 *   hold     (async) completes only when canceled;
 *   cancel_outgoing  (async) calls <self>:hold, cancels that call at once with
 *            neko_host.cancel, and answers with what the cancel produced;
 *   checked  asks the host to check its arguments against its schema
 *            (NEKO_ENTRY_VALIDATE_ARGS) and never looks at them itself;
 *   counts   answers {"checked":N,"held_canceled":N}: how often `checked`
 *            ran and how many `hold` calls were canceled;
 *   counts_after_cancel  the same, once a `hold` was canceled (it waits for
 *            that, at most 10 s): an isolated callee's `cancel` runs in its
 *            worker after the caller's cancel returned;
 *   relay_progress  (async) calls <self>:progress naming its call as the
 *            parent, and answers its result: the reports reach whoever
 *            listens to the outer call;
 *   finish_soon  (async) completes {"done":true} from a thread of its own, at once;
 *   race_cancel  (async) calls <self>:finish_soon and cancels that call at
 *            once, so that the cancel races the completion; answers
 *            {"status":S} with the status its outgoing call ended with, and
 *            counts an outgoing call completed twice in `counts` ("twice").
 * Its id is "ctx"; it calls itself by the id its host table gives. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "neko_abi.h"

typedef struct instance {
    const neko_host *host;
    atomic_long checked;
    atomic_long held_canceled;
    atomic_uint_least64_t held; /* the call id of the `hold` in flight, 0: none */
    const neko_call *_Atomic held_call;
    pthread_mutex_t lock; /* with `canceled`: signaled when a `hold` is canceled */
    pthread_cond_t canceled;
    atomic_long twice; /* outgoing calls of `race_cancel` completed more than once */
} instance;

enum { WHOAMI, RELAY, RELAY_NAMED, RECURSE, PROGRESS, HOLD, CANCEL_OUTGOING, CHECKED, COUNTS, COUNTS_AFTER_CANCEL, RELAY_PROGRESS,
       FINISH_SOON, RACE_CANCEL };

static void answer(const neko_call *call, neko_status status, const char *text) {
    neko_result result = {sizeof result, status, (const uint8_t *)text, strlen(text), NULL};
    call->complete(call, &result);
}

static uint64_t now_ns(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

static void *create(const neko_host *host, neko_error *error) {
    (void)error;
    instance *self = calloc(1, sizeof *self);
    self->host = host;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->canceled, NULL);
    return self;
}
static neko_status start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void stop(void *self) { (void)self; }
static void destroy(void *self) { free(self); }

static void whoami(const neko_call *call) {
    char text[256];
    if (!NEKO_HAS_FIELD(call, neko_call, parent)) {
        answer(call, NEKO_ERR_INTERNAL, "the host's call is shorter than 1.1");
        return;
    }
    long left = -1;
    if (call->deadline_ns != 0) left = (long)((int64_t)(call->deadline_ns - now_ns()) / 1000000);
    unsigned long long id = (unsigned long long)call->call_id;
    if (call->caller)
        snprintf(text, sizeof text, "{\"caller\":\"%s\",\"depth\":%u,\"deadline_left_ms\":%ld,\"parent\":%s,\"call_id\":%llu}",
                 call->caller, call->depth, left, call->parent ? "true" : "false", id);
    else
        snprintf(text, sizeof text, "{\"caller\":null,\"depth\":%u,\"deadline_left_ms\":%ld,\"parent\":%s,\"call_id\":%llu}",
                 call->depth, left, call->parent ? "true" : "false", id);
    answer(call, NEKO_OK, text);
}

/* An outgoing call whose result completes the call it was made for. It
 * lives on the heap until its completion, which may come before
 * neko_host.call returns (in-process) or later, on another thread (when the
 * plugin runs in a worker process): so the entries that call are async. */
static void pass_through(const neko_call *outgoing, const neko_result *result) {
    const neko_call *outer = outgoing->context;
    outer->complete(outer, result);
    free((void *)outgoing);
}

static void call_self(instance *self, const neko_call *outer, const char *entry, int name_parent) {
    neko_call *outgoing = calloc(1, sizeof *outgoing);
    outgoing->struct_size = sizeof *outgoing;
    outgoing->context = (void *)outer;
    outgoing->complete = pass_through;
    if (name_parent) outgoing->parent = outer;
    self->host->call(self->host, self->host->plugin_id, entry, outgoing);
}

static void report_progress(instance *self, const neko_call *call) {
    if (!NEKO_HAS_FIELD(self->host, neko_host, progress) || !self->host->progress) {
        answer(call, NEKO_ERR_UNAVAILABLE, "this host takes no progress reports");
        return;
    }
    char message[32];
    for (int step = 1; step <= 3; step++) {
        int length = snprintf(message, sizeof message, "step %d", step);
        self->host->progress(self->host, call, step, 3, message, (size_t)length);
    }
    answer(call, NEKO_OK, "{\"steps\":3}");
}

/* The outgoing call of `cancel_outgoing`, on the heap: it must live until
 * its completion, which may come on another thread. */
typedef struct outgoing_call { neko_call call; const neko_call *outer; } outgoing_call;

static void outgoing_done(const neko_call *call, const neko_result *result) {
    outgoing_call *made = (outgoing_call *)call;
    char text[512];
    snprintf(text, sizeof text, "{\"status\":%d,\"message\":\"%.*s\"}", result->status,
             result->status == NEKO_OK ? 0 : (int)(result->len < 400 ? result->len : 400), (const char *)result->data);
    answer(made->outer, NEKO_OK, text);
    free(made);
}

static void cancel_outgoing(instance *self, const neko_call *outer) {
    if (!NEKO_HAS_FIELD(self->host, neko_host, cancel) || !self->host->cancel) {
        answer(outer, NEKO_ERR_UNAVAILABLE, "this host cannot cancel calls");
        return;
    }
    outgoing_call *made = calloc(1, sizeof *made);
    made->call.struct_size = sizeof made->call;
    made->call.complete = outgoing_done;
    made->call.parent = outer;
    made->outer = outer;
    neko_call *call = &made->call;
    self->host->call(self->host, self->host->plugin_id, "hold", call);
    /* `made` may be freed by now only if the call already completed, which a
     * `hold` never does unless canceled: cancel it. */
    self->host->cancel(self->host, call);
}

static void *finish_now(void *call) {
    answer(call, NEKO_OK, "{\"done\":true}");
    return NULL;
}

static void finish_soon(const neko_call *call) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attributes, finish_now, (void *)call) != 0) answer(call, NEKO_ERR_UNAVAILABLE, "no thread");
    pthread_attr_destroy(&attributes);
}

/* An outgoing call of `race_cancel`. Never freed (a test fixture): a second
 * completion, if the host ever sent one, must find it to be counted. */
typedef struct raced_call { neko_call call; const neko_call *outer; instance *self; atomic_int completions; } raced_call;

static void raced_done(const neko_call *call, const neko_result *result) {
    raced_call *made = (raced_call *)call;
    if (atomic_fetch_add(&made->completions, 1) != 0) {
        atomic_fetch_add(&made->self->twice, 1);
        return;
    }
    char text[32];
    snprintf(text, sizeof text, "{\"status\":%d}", result->status);
    answer(made->outer, NEKO_OK, text);
}

static void race_cancel(instance *self, const neko_call *outer) {
    raced_call *made = calloc(1, sizeof *made);
    made->call.struct_size = sizeof made->call;
    made->call.complete = raced_done;
    made->call.parent = outer;
    made->outer = outer;
    made->self = self;
    self->host->call(self->host, self->host->plugin_id, "finish_soon", &made->call);
    self->host->cancel(self->host, &made->call);
}

static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    char text[96];
    switch (call->entry_index) {
    case WHOAMI: whoami(call); break;
    case RELAY: call_self(self, call, "whoami", 0); break;
    case RELAY_NAMED: call_self(self, call, "whoami", 1); break;
    case RECURSE: call_self(self, call, "recurse", 1); break;
    case PROGRESS: report_progress(self, call); break;
    case HOLD:
        atomic_store(&self->held_call, call);
        atomic_store(&self->held, call->call_id);
        break;
    case CANCEL_OUTGOING: cancel_outgoing(self, call); break;
    case CHECKED:
        atomic_fetch_add(&self->checked, 1);
        answer(call, NEKO_OK, "{\"ok\":true}");
        break;
    case RELAY_PROGRESS: call_self(self, call, "progress", 1); break;
    case FINISH_SOON: finish_soon(call); break;
    case RACE_CANCEL: race_cancel(self, call); break;
    case COUNTS_AFTER_CANCEL: {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        pthread_mutex_lock(&self->lock);
        while (atomic_load(&self->held_canceled) == 0 && pthread_cond_timedwait(&self->canceled, &self->lock, &until) == 0) {}
        pthread_mutex_unlock(&self->lock);
    }
        /* fall through */
    case COUNTS:
        snprintf(text, sizeof text, "{\"checked\":%ld,\"held_canceled\":%ld,\"twice\":%ld}",
                 atomic_load(&self->checked), atomic_load(&self->held_canceled), atomic_load(&self->twice));
        answer(call, NEKO_OK, text);
        break;
    default: answer(call, NEKO_ERR_NOT_FOUND, "no such entry");
    }
}

static void cancel(void *opaque, uint64_t call_id) {
    instance *self = opaque;
    uint64_t expected = call_id;
    if (call_id == 0 || !atomic_compare_exchange_strong(&self->held, &expected, 0)) return;
    const neko_call *call = atomic_exchange(&self->held_call, NULL);
    if (!call) return;
    pthread_mutex_lock(&self->lock);
    atomic_fetch_add(&self->held_canceled, 1);
    pthread_cond_broadcast(&self->canceled);
    pthread_mutex_unlock(&self->lock);
    answer(call, NEKO_ERR_CANCELED, "hold was canceled");
}

#define CHECKED_SCHEMA                                                                                     \
    "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":0},"                    \
    "\"name\":{\"type\":\"string\",\"minLength\":1}},\"required\":[\"n\",\"name\"],\"additionalProperties\":false}"

static const neko_entry entries[] = {
    {sizeof(neko_entry), 0, "whoami", NULL, "Answers its call's context.", NULL, 0, 0,
     "{\"type\":\"object\",\"properties\":{\"depth\":{\"type\":\"integer\"}}}", NEKO_HINT_READ_ONLY | NEKO_HINT_IDEMPOTENT, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "relay", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "relay_named", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "recurse", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), 0, "progress", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "hold", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "cancel_outgoing", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_VALIDATE_ARGS, "checked", NULL, NULL, CHECKED_SCHEMA, 0, 0, NULL,
     NEKO_HINT_DESTRUCTIVE, 0},
    {sizeof(neko_entry), 0, "counts", NULL, NULL, NULL, 0, 0, NULL, NEKO_HINT_READ_ONLY, 0},
    {sizeof(neko_entry), 0, "counts_after_cancel", NULL, NULL, NULL, 0, 0, NULL, NEKO_HINT_READ_ONLY, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "relay_progress", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "finish_soon", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "race_cancel", NULL, NULL, NULL, 0, 0, NULL, 0, 0},
};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "ctx", .sdk = "c", .entry_count = sizeof entries / sizeof entries[0], .entries = entries,
    .create = create, .start = start, .invoke = invoke, .cancel = cancel, .stop = stop, .destroy = destroy,
};
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

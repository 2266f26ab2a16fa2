/* A plugin built with the frozen ABI 1.0 header (this folder's neko_abi.h),
 * for the compatibility matrix: every 1.x host must load it and answer it.
 * Its structs are 1.0-sized: 48-byte entries, 24-byte timers, a 160-byte
 * descriptor, whatever the host's `sizeof` is today.
 *
 * Entries: `about` -> {"built":"1.0","host":"MAJOR.MINOR","host_size":N}
 * (what `create` saw of the host); `echo` -> the argument bytes; `relay`
 * (async) -> calls its own `echo` through neko_host.call with a 1.0-sized
 * neko_call (56 bytes: no 1.1 context) and answers its result.
 * Timers: `first` (1 h) and `second` (2 h), never started: the host must read
 * both at the 1.0 stride. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

#if NEKO_ABI_VERSION_MAJOR != 1 || NEKO_ABI_VERSION_MINOR != 0
#error "build this against Tests/Fixtures/abi-1.0/neko_abi.h"
#endif

typedef struct instance { char about[128]; const neko_host *host; } instance;

static void answer(const neko_call *call, const char *data, size_t len) {
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)data, len, NULL};
    call->complete(call, &result);
}

static void *create(const neko_host *host, neko_error *error) {
    if (host->struct_size < sizeof(neko_host)) { /* a 1.0 reader's check */
        error->status = NEKO_ERR_INTERNAL;
        snprintf(error->message, sizeof error->message, "host table of %u bytes", host->struct_size);
        return NULL;
    }
    instance *self = calloc(1, sizeof *self);
    self->host = host;
    snprintf(self->about, sizeof self->about, "{\"built\":\"1.0\",\"host\":\"%u.%u\",\"host_size\":%u}",
             host->abi.major, host->abi.minor, host->struct_size);
    if (host->log) host->log(host, NEKO_LOG_DEBUG, "built with 1.0", 14);
    return self;
}

static neko_status start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }

/* The outgoing call of `relay`, on the heap until its completion. */
typedef struct relay { neko_call call; const neko_call *outer; } relay;

static void relayed(const neko_call *call, const neko_result *result) {
    relay *made = (relay *)call;
    made->outer->complete(made->outer, result);
    free(made);
}

static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    if (call->entry_index == 0) {
        answer(call, self->about, strlen(self->about));
    } else if (call->entry_index == 1) {
        answer(call, (const char *)call->args, call->args_len);
    } else {
        relay *made = calloc(1, sizeof *made);
        made->call.struct_size = sizeof made->call;
        made->call.args = call->args;
        made->call.args_len = call->args_len;
        made->call.complete = relayed;
        made->outer = call;
        self->host->call(self->host, "builtwith10", "echo", &made->call);
    }
}

static void on_timer(void *self, uint32_t index) { (void)self; (void)index; }
static void stop(void *self) { (void)self; }
static void destroy(void *self) { free(self); }

static const neko_entry entries[] = {
    {sizeof(neko_entry), 0, "about", "About", "What the plugin saw of its host.", NULL, 0, 0},
    {sizeof(neko_entry), 0, "echo", "Echo", "Returns its arguments.", NULL, 0, 0},
    {sizeof(neko_entry), NEKO_ENTRY_ASYNC, "relay", "Relay", "Calls echo through the host.", NULL, 0, 0},
};
static const neko_timer timers[] = {
    {sizeof(neko_timer), 0, "first", 3600 * 1000},
    {sizeof(neko_timer), 0, "second", 7200 * 1000},
};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "builtwith10", .sdk = "c", .entry_count = 3, .entries = entries,
    .timer_count = 2, .timers = timers,
    .create = create, .start = start, .invoke = invoke, .on_timer = on_timer, .stop = stop, .destroy = destroy,
};

__attribute__((visibility("default"))) const neko_plugin *neko_plugin_register(const neko_host_info *host) {
    (void)host;
    return &plugin;
}

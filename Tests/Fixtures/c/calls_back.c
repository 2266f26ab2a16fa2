/* The host must shut down cleanly while this plugin calls it back: from a
 * timer tick every 2 ms and from its stop hook (both call cgreet:noop). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

typedef struct instance { const neko_host *host; atomic_int calls; } instance;

static void ignore(const neko_call *call, const neko_result *result) { (void)call; (void)result; }

static void call_cgreet(instance *self) {
    neko_call call;
    memset(&call, 0, sizeof call);
    call.struct_size = sizeof call;
    call.complete = ignore;
    if (NEKO_HAS_FIELD(self->host, neko_host, call) && self->host->call) {
        self->host->call(self->host, "cgreet", "noop", &call);
        atomic_fetch_add(&self->calls, 1);
    }
}

static void *create(const neko_host *host, neko_error *error) {
    (void)error;
    instance *self = calloc(1, sizeof *self);
    self->host = host;
    return self;
}
static neko_status start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void answer(const neko_call *call, const char *text) {
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)text, strlen(text), NULL};
    call->complete(call, &result);
}
static void invoke(void *self, const neko_call *call) { (void)self; answer(call, "{}"); }
static void on_timer(void *self, uint32_t index) { (void)index; call_cgreet(self); }
static void stop(void *self) { call_cgreet(self); }
static void destroy(void *self) { free(self); }

static const neko_entry entries[] = {{sizeof(neko_entry), 0, "ping", NULL, NULL, NULL, 0, 0}};
static const neko_timer timers[] = {{sizeof(neko_timer), NEKO_TIMER_AUTO_START, "tick", 2}};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "callsback", .sdk = "c", .entry_count = 1, .entries = entries, .timer_count = 1, .timers = timers,
    .create = create, .start = start, .invoke = invoke, .on_timer = on_timer, .stop = stop, .destroy = destroy,
};
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

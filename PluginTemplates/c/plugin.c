/* __ID__: a Neko plugin in C. `make` builds lib__ID__.so beside plugin.toml.
 * The whole contract is neko_abi.h; docs/ABI.md explains it. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

typedef struct instance {
    const neko_host *host;
    atomic_ulong calls;
} instance;

static void answer(const neko_call *call, neko_status status, const char *text) {
    neko_result result = {sizeof(neko_result), status, (const uint8_t *)text, strlen(text), NULL};
    call->complete(call, &result);
}

static void *create(const neko_host *host, neko_error *error) {
    instance *self = calloc(1, sizeof *self);
    if (!self) {
        error->status = NEKO_ERR_INTERNAL;
        strcpy(error->message, "out of memory");
        return NULL;
    }
    self->host = host;
    return self;
}

static neko_status start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }

/* [any-thread] Entries: 0 = hello, 1 = count. */
static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    unsigned long calls = atomic_fetch_add(&self->calls, 1) + 1;
    if (call->entry_index == 0) {
        answer(call, NEKO_OK, "{\"greeting\":\"Hello from C!\"}");
    } else {
        char text[64];
        snprintf(text, sizeof text, "{\"calls\":%lu}", calls);
        answer(call, NEKO_OK, text);
    }
}

static void stop(void *self) { (void)self; }
static void destroy(void *self) { free(self); }

static const neko_entry entries[] = {
    /* struct_size, flags, id, name, description, args_schema, timeout_ms, reserved,
     * then (ABI 1.1) result_schema, hints, reserved2 */
    {sizeof(neko_entry), 0, "hello", "Hello", "Answers a greeting.", "{\"type\":\"object\"}", 0, 0,
     "{\"type\":\"object\",\"properties\":{\"greeting\":{\"type\":\"string\"}}}", NEKO_HINT_READ_ONLY | NEKO_HINT_IDEMPOTENT, 0},
    {sizeof(neko_entry), 0, "count", "Count", "How many calls so far.", "{\"type\":\"object\"}", 0, 0,
     NULL, NEKO_HINT_READ_ONLY, 0},
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin),
    .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "__ID__",
    .plugin_version = "0.1.0",
    .swift_version = NULL,
    .sdk = "c",
    .entry_count = 2,
    .entries = entries,
    .create = create,
    .start = start,
    .invoke = invoke,
    .stop = stop,
    .destroy = destroy,
};

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) {
    (void)host;
    return &plugin;
}

/* An async entry that emits a message inside `invoke` (emit is [any-thread])
 * and waits for the receipt before it completes: in a worker process, the
 * thread that reads the host's replies must not be the one running it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

typedef struct instance { const neko_host *host; } instance;

static void *create(const neko_host *host, neko_error *error) {
    (void)error;
    instance *self = calloc(1, sizeof *self);
    self->host = host;
    return self;
}
static void invoke(void *raw, const neko_call *call) {
    instance *self = raw;
    const char *payload = "{\"from\":\"invoke\"}";
    neko_status receipt = self->host->emit(self->host, "started", (const uint8_t *)payload, strlen(payload));
    char text[64];
    snprintf(text, sizeof text, "{\"receipt\":%d}", (int)receipt);
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)text, strlen(text), NULL};
    call->complete(call, &result);
}
static void destroy(void *self) { free(self); }

static const neko_entry entries[] = {{sizeof(neko_entry), NEKO_ENTRY_ASYNC, "go", NULL, NULL, NULL, 0, 0}};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "emitter", .sdk = "c", .entry_count = 1, .entries = entries,
    .create = create, .invoke = invoke, .destroy = destroy,
};
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

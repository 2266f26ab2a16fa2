/* Host must list it as failed with "execution_failed: database is locked" from start, then call destroy (and never invoke). */
#include "neko_abi.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct instance {
    const neko_host *host;
} instance;

static void *fx_create(const neko_host *host, neko_error *error)
{
    instance *self = malloc(sizeof *self);
    if (self == NULL) {
        error->status = NEKO_ERR_EXECUTION_FAILED;
        snprintf(error->message, sizeof error->message, "startfails: out of memory");
        return NULL;
    }
    self->host = host;
    return self;
}

static neko_status fx_start(void *self, neko_error *error)
{
    (void)self;
    error->status = NEKO_ERR_EXECUTION_FAILED;
    snprintf(error->message, sizeof error->message, "database is locked");
    return NEKO_ERR_EXECUTION_FAILED;
}

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    static const char message[] = "startfails: invoke was called although start failed";
    neko_result result = { sizeof(neko_result), NEKO_ERR_INTERNAL, (const uint8_t *)message,
                           sizeof message - 1, NULL };
    call->complete(call, &result);
}

static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { free(self); }

static const neko_entry entries[] = {
    { .struct_size = sizeof(neko_entry), .id = "ping", .args_schema = "{\"type\":\"object\"}" },
};

static const neko_plugin descriptor = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "startfails",
    .plugin_version = "1.0.0",
    .swift_version = NULL,
    .sdk = "c",
    .entry_count = 1,
    .entries = entries,
    .create = fx_create,
    .start = fx_start,
    .invoke = fx_invoke,
    .stop = fx_stop,
    .destroy = fx_destroy,
};

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    return &descriptor;
}

/* Host must refuse it before calling create: its descriptor says ABI 99.0, the host is 1.x. */
/*
 * Otherwise a well-formed plugin (id "abimajor", entry "ping"). The layout
 * past `abi` is 1.0's, but a host may not rely on that: once the major
 * differs, the only fields it may read are `struct_size` and `abi`.
 * If a host calls `create` anyway, it fails with a message that says so.
 */
#include "neko_abi.h"

#include <stdio.h>

static void *fx_create(const neko_host *host, neko_error *error)
{
    (void)host;
    if (error != NULL) {
        error->status = NEKO_ERR_INTERNAL;
        snprintf(error->message, sizeof error->message,
                 "abimajor: create was called although the descriptor says ABI 99.0");
    }
    return NULL;
}

static neko_status fx_start(void *instance, neko_error *error)
{
    (void)instance;
    (void)error;
    return NEKO_OK;
}

static void fx_invoke(void *instance, const neko_call *call)
{
    (void)instance;
    neko_result result = { sizeof(neko_result), NEKO_OK, (const uint8_t *)"{}", 2, NULL };
    call->complete(call, &result);
}

static void fx_stop(void *instance) { (void)instance; }
static void fx_destroy(void *instance) { (void)instance; }

static const neko_entry entries[] = {
    { .struct_size = sizeof(neko_entry), .id = "ping", .args_schema = "{\"type\":\"object\"}" },
};

static const neko_plugin descriptor = {
    .struct_size = sizeof(neko_plugin),
    .abi = { 99, 0 },
    .plugin_id = "abimajor",
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

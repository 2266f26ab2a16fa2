/* Host must refuse it before create, naming both ids: the descriptor says "someone_else", the manifest says "wrongid". */
#include "neko_abi.h"

static int instance; /* create must not be reached; if it is, this is the instance */

static void *fx_create(const neko_host *host, neko_error *error)
{
    (void)host;
    (void)error;
    return &instance;
}

static neko_status fx_start(void *self, neko_error *error)
{
    (void)self;
    (void)error;
    return NEKO_OK;
}

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    neko_result result = { sizeof(neko_result), NEKO_OK, (const uint8_t *)"{}", 2, NULL };
    call->complete(call, &result);
}

static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { (void)self; }

static const neko_entry entries[] = {
    { .struct_size = sizeof(neko_entry), .id = "ping", .args_schema = "{\"type\":\"object\"}" },
};

static const neko_plugin descriptor = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "someone_else",
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

/* A plugin that says what a NekoPlugin build says: no id (the manifest's
 * stands) and an `sdk` of "NekoPlugin 0.1.0 BUILT", where BUILT ("debug" or
 * "release") is given with -DBUILT=... One entry, `ping`, answers true. */
#include <stdlib.h>
#include "neko_abi.h"

#ifndef BUILT
#error "compile with -DBUILT='\"debug\"' or -DBUILT='\"release\"'"
#endif

static void *fx_create(const neko_host *host, neko_error *error) { (void)host; (void)error; return malloc(1); }
static neko_status fx_start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { free(self); }

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    neko_result result = {sizeof(neko_result), NEKO_OK, (const uint8_t *)"true", 4, NULL};
    call->complete(call, &result);
}

static const neko_entry entries[] = {
    {.struct_size = sizeof(neko_entry), .id = "ping", .args_schema = "{\"type\":\"object\"}"},
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = NULL, .sdk = "NekoPlugin 0.1.0 " BUILT, .entry_count = 1, .entries = entries,
    .create = fx_create, .start = fx_start, .invoke = fx_invoke, .stop = fx_stop, .destroy = fx_destroy,
};

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    return &plugin;
}

/* What the broken conformance fixtures share (see docs/CONFORMANCE.md): a
 * one-byte instance whose start succeeds, a completion helper, a crude
 * argument scanner, and the descriptor around the fixture's own `entries`
 * and `fx_invoke`. A fixture defines those two, then says
 * FIXTURE_PLUGIN("its_id"). Only what a fixture gets wrong is in its file. */
#ifndef BROKEN_FIXTURE_H
#define BROKEN_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

#define FIXTURE_UNUSED __attribute__((unused))

/* Completes `call` with `status`, `text` and `field` (NULL: none). */
static FIXTURE_UNUSED void finish(const neko_call *call, neko_status status, const char *text, const char *field)
{
    neko_result result = {sizeof(neko_result), status, (const uint8_t *)text, strlen(text), field};
    call->complete(call, &result);
}

/* Whether the arguments contain `text` (a fixture's stand-in for parsing). */
static FIXTURE_UNUSED int has(const neko_call *call, const char *text)
{
    size_t n = strlen(text);
    if (call->args == NULL || call->args_len < n) return 0;
    for (size_t i = 0; i + n <= call->args_len; i++)
        if (memcmp(call->args + i, text, n) == 0) return 1;
    return 0;
}

static void *fx_create(const neko_host *host, neko_error *error) { (void)host; (void)error; return malloc(1); }
static neko_status fx_start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { free(self); }

/* The descriptor of plugin ID over the file's `entries` and `fx_invoke`,
 * and the one exported symbol. */
#define FIXTURE_PLUGIN(ID)                                                                                  \
    static const neko_plugin plugin = {                                                                     \
        .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},         \
        .plugin_id = ID, .sdk = "c", .entry_count = sizeof entries / sizeof entries[0], .entries = entries, \
        .create = fx_create, .start = fx_start, .invoke = fx_invoke, .stop = fx_stop, .destroy = fx_destroy, \
    };                                                                                                      \
    NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)                        \
    {                                                                                                       \
        (void)host;                                                                                         \
        return &plugin;                                                                                     \
    }

#endif

/* `nekoctl check --exercise` must fail its descriptor check on a plugin whose argument schema is JSON but not a JSON Schema. */
/*
 * id "invalid_schema": one sync entry `greet` whose args_schema is valid
 * JSON but no valid schema ("type":"objekt", "required" not an array: the
 * defect). It answers {"ok":true} to anything, and accepts unknown keys.
 */
#include "neko_abi.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

static void finish(const neko_call *call, neko_status status, const char *text, const char *field)
{
    neko_result result = { sizeof(neko_result), status, (const uint8_t *)text, strlen(text), field };
    call->complete(call, &result);
}

/* Whether the arguments contain `text`. */
static int has(const neko_call *call, const char *text)
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

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    finish(call, NEKO_OK, "{\"ok\":true}", NULL);
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "greet", NULL, "Answers ok.",
      "{\"type\":\"objekt\",\"required\":\"name\"}", 0, 0 },
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "invalid_schema",
    .sdk = "c",
    .entry_count = sizeof entries / sizeof entries[0],
    .entries = entries,
    .create = fx_create,
    .start = fx_start,
    .invoke = fx_invoke,
    .stop = fx_stop,
    .destroy = fx_destroy,
};

EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    (void)has;
    return &plugin;
}

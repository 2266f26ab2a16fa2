/* `nekoctl check --exercise` must fail its valid-arguments check on a plugin
 * whose result breaks the result schema it declares (ABI 1.1).
 *
 * id "wrong_result": one sync entry `greet` that takes any object and
 * declares a result {"greeting": string}, but answers {"greeting":42}: the
 * defect. */
#include "neko_abi.h"

#include <stdlib.h>
#include <string.h>

static void finish(const neko_call *call, const char *text)
{
    neko_result result = {sizeof(neko_result), NEKO_OK, (const uint8_t *)text, strlen(text), NULL};
    call->complete(call, &result);
}

static void *fx_create(const neko_host *host, neko_error *error) { (void)host; (void)error; return malloc(1); }
static neko_status fx_start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { free(self); }
static void fx_invoke(void *self, const neko_call *call) { (void)self; finish(call, "{\"greeting\":42}"); }

static const neko_entry entries[] = {
    {.struct_size = sizeof(neko_entry), .id = "greet", .description = "Answers a greeting, or so it says.",
     .args_schema = "{\"type\":\"object\"}",
     .result_schema = "{\"type\":\"object\",\"properties\":{\"greeting\":{\"type\":\"string\"}},\"required\":[\"greeting\"]}"},
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin),
    .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "wrong_result",
    .sdk = "c",
    .entry_count = sizeof entries / sizeof entries[0],
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
    return &plugin;
}

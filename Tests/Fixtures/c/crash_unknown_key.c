/* `nekoctl check --exercise` must fail its unknown-key check, not crash, on a plugin that crashes on an unknown argument. */
/*
 * id "crash_unknown_key": one sync entry `echo` whose schema is any object
 * with an optional integer `n`. Arguments with a key other than `n` make it
 * abort() (the defect); otherwise it answers {"ok":true}.
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
    const char *args = (const char *)call->args;
    char previous = 0;
    for (size_t i = 0; args != NULL && i < call->args_len; i++) {
        char c = args[i];
        if (c == '"' && (previous == '{' || previous == ',')) { /* a key */
            const char *end = memchr(args + i + 1, '"', call->args_len - i - 1);
            if (end == NULL) break;
            if (end - (args + i + 1) != 1 || args[i + 1] != 'n') abort(); /* the defect */
            size_t v = (size_t)(end - args) + 2; /* past `":` */
            while (v < call->args_len && args[v] == ' ') v++;
            if (v >= call->args_len || !(args[v] == '-' || (args[v] >= '0' && args[v] <= '9'))) {
                finish(call, NEKO_ERR_INVALID_ARGUMENT, "argument 'n' must be an integer", "n");
                return;
            }
            i = (size_t)(end - args);
        }
        if (c != ' ' && c != '\n') previous = c;
    }
    finish(call, NEKO_OK, "{\"ok\":true}", NULL);
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "echo", NULL, "Answers ok.",
      "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}", 0, 0 },
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "crash_unknown_key",
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

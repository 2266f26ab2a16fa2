/* Host must end a sync call its plugin never completes at the call's deadline (timeout), and ignore the completion that comes after. */
/*
 * id "never_completes":
 *   forget   sync: returns from invoke without completing the call (a
 *            contract violation) and keeps the call pointer.
 *   release  sync: completes the calls `forget` kept (late: their callers
 *            have timed out), then its own call with {"released":N}.
 * Both take no arguments (`additionalProperties: false`); an unknown key
 * gets invalid_argument naming it.
 */
#include "neko_abi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define NO_ARGS "{\"type\":\"object\",\"additionalProperties\":false}"
#define KEPT 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const neko_call *kept[KEPT];
static size_t kept_count;

static void finish(const neko_call *call, neko_status status, const char *text, const char *field)
{
    neko_result result = { sizeof(neko_result), status, (const uint8_t *)text, strlen(text), field };
    call->complete(call, &result);
}

static int refuse_unknown(const neko_call *call)
{
    if (call->args == NULL) return 0;
    const char *open = memchr(call->args, '"', call->args_len);
    if (open == NULL) return 0;
    const char *close = memchr(open + 1, '"', call->args_len - (size_t)(open + 1 - (const char *)call->args));
    char key[128];
    size_t len = close == NULL ? 0 : (size_t)(close - open - 1);
    if (len == 0 || len >= sizeof key) return 0;
    memcpy(key, open + 1, len);
    key[len] = 0;
    finish(call, NEKO_ERR_INVALID_ARGUMENT, "unknown argument (it takes none)", key);
    return 1;
}

static void *fx_create(const neko_host *host, neko_error *error) { (void)host; (void)error; return malloc(1); }
static neko_status fx_start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { free(self); }

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    if (refuse_unknown(call)) return;
    if (call->entry_index == 0) { /* forget */
        pthread_mutex_lock(&lock);
        if (kept_count < KEPT) kept[kept_count++] = call;
        pthread_mutex_unlock(&lock);
        return;
    }
    pthread_mutex_lock(&lock);
    size_t count = kept_count;
    for (size_t i = 0; i < count; i++) finish(kept[i], NEKO_OK, "{\"late\":true}", NULL);
    kept_count = 0;
    pthread_mutex_unlock(&lock);
    char text[64];
    snprintf(text, sizeof text, "{\"released\":%zu}", count);
    finish(call, NEKO_OK, text, NULL);
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "forget", NULL, "Returns without completing the call.", NO_ARGS, 0, 0 },
    { sizeof(neko_entry), 0, "release", NULL, "Completes the forgotten calls, late.", NO_ARGS, 0, 0 },
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "never_completes",
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
    return &plugin;
}

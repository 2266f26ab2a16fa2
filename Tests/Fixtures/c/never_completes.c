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
#include "broken_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_ARGS "{\"type\":\"object\",\"additionalProperties\":false}"
#define KEPT 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const neko_call *kept[KEPT];
static size_t kept_count;

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

FIXTURE_PLUGIN("never_completes")

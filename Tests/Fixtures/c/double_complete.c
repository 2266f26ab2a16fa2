/* Host must take the first completion of a call and report (not obey) a second one, however late it comes. */
/*
 * id "double_complete", a plugin that completes calls twice (a contract
 * violation: neko_abi.h allows exactly one completion per call):
 *   twice        sync: completes with {"n":1}, then again with {"n":2},
 *                both inside invoke.
 *   stash        sync: completes with {"stashed":true} and keeps the call
 *                pointer, which the ABI says is dead once completed.
 *   again        sync: completes the call `stash` kept a second time (its
 *                caller has long returned), then completes its own call.
 *   async_twice  async: completes twice from inside invoke.
 * Every entry takes no arguments (`additionalProperties: false`): an unknown
 * key gets invalid_argument naming it, so only the completion check fails.
 */
#include "broken_fixture.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NO_ARGS "{\"type\":\"object\",\"additionalProperties\":false}"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const neko_call *stashed;

/* The first key of a non-empty arguments object, copied into `key`; 0 when there is none. */
static int first_key(const neko_call *call, char *key, size_t size)
{
    const char *open = memchr(call->args, '"', call->args_len);
    if (call->args == NULL || open == NULL) return 0;
    const char *close = memchr(open + 1, '"', call->args_len - (size_t)(open + 1 - (const char *)call->args));
    size_t len = close == NULL ? 0 : (size_t)(close - open - 1);
    if (len == 0 || len >= size) return 0;
    memcpy(key, open + 1, len);
    key[len] = 0;
    return 1;
}

static int refuse_unknown(const neko_call *call, int times)
{
    char key[128];
    if (!first_key(call, key, sizeof key)) return 0;
    for (int i = 0; i < times; i++) finish(call, NEKO_ERR_INVALID_ARGUMENT, "unknown argument (it takes none)", key);
    return 1;
}

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    switch (call->entry_index) {
    case 0: /* twice */
    case 3: /* async_twice */
        if (refuse_unknown(call, 2)) return;
        finish(call, NEKO_OK, "{\"n\":1}", NULL);
        finish(call, NEKO_OK, "{\"n\":2}", NULL);
        return;
    case 1: /* stash */
        if (refuse_unknown(call, 1)) return;
        finish(call, NEKO_OK, "{\"stashed\":true}", NULL);
        pthread_mutex_lock(&lock);
        stashed = call;
        pthread_mutex_unlock(&lock);
        return;
    case 2: { /* again */
        if (refuse_unknown(call, 1)) return;
        pthread_mutex_lock(&lock);
        const neko_call *old = stashed;
        stashed = NULL;
        pthread_mutex_unlock(&lock);
        if (old != NULL) finish(old, NEKO_OK, "{\"stashed\":\"again\"}", NULL);
        finish(call, NEKO_OK, old != NULL ? "{\"again\":true}" : "{\"again\":false}", NULL);
        return;
    }
    default:
        finish(call, NEKO_ERR_NOT_FOUND, "no such entry", NULL);
    }
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "twice", NULL, "Completes twice inside invoke.", NO_ARGS, 0, 0 },
    { sizeof(neko_entry), 0, "stash", NULL, "Completes, and keeps the dead call.", NO_ARGS, 0, 0 },
    { sizeof(neko_entry), 0, "again", NULL, "Completes the call stash kept a second time.", NO_ARGS, 0, 0 },
    { sizeof(neko_entry), NEKO_ENTRY_ASYNC, "async_twice", NULL, "An async entry that completes twice.", NO_ARGS, 0, 0 },
};

FIXTURE_PLUGIN("double_complete")

/* The settings `change` runs while an `invoke` is in flight ([lifecycle, concurrent with invoke]): a host that drained calls first would make both wait out their bound. */
/*
 * id "settings_concurrent", settings {"word": string} (neko.plugin.config/1):
 *   hold   sync: marks itself in flight, then waits (at most 10 s) for a
 *          `change`; answers {"word":"<the new word>"} or execution_failed
 *          "no change arrived while the call ran".
 *   change waits (at most 10 s) until a `hold` is in flight, then takes the
 *          new word under the lock that `hold` and `read` use too (what the
 *          header asks of a plugin); NEKO_ERR_UNAVAILABLE "no call was in
 *          flight" when none came.
 * The waits are condition waits with a bound, not sleeps.
 */
#define _POSIX_C_SOURCE 200809L

#include "neko_abi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct state {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int holding;       /* `hold` calls in flight */
    int changes;       /* `change` calls taken */
    char word[64];
} state;

static struct timespec in_ten_seconds(void)
{
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += 10;
    return end;
}

static void finish(const neko_call *call, neko_status status, const char *text)
{
    neko_result result = { sizeof(neko_result), status, (const uint8_t *)text, strlen(text), NULL };
    call->complete(call, &result);
}

static void *fx_create(const neko_host *host, neko_error *error)
{
    (void)host;
    (void)error;
    state *self = calloc(1, sizeof *self);
    if (self == NULL) return NULL;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->changed, NULL);
    strcpy(self->word, "hello");
    return self;
}

static neko_status fx_start(void *self, neko_error *error) { (void)self; (void)error; return NEKO_OK; }
static void fx_stop(void *self) { (void)self; }
static void fx_destroy(void *self) { free(self); }

static void fx_invoke(void *instance, const neko_call *call)
{
    state *self = instance;
    struct timespec end = in_ten_seconds();
    char text[128];
    pthread_mutex_lock(&self->lock);
    int before = self->changes;
    self->holding++;
    pthread_cond_broadcast(&self->changed);
    while (self->changes == before && pthread_cond_timedwait(&self->changed, &self->lock, &end) == 0) {}
    int changed = self->changes != before;
    snprintf(text, sizeof text, "{\"word\":\"%s\"}", self->word);
    self->holding--;
    pthread_mutex_unlock(&self->lock);
    if (changed) finish(call, NEKO_OK, text);
    else finish(call, NEKO_ERR_EXECUTION_FAILED, "no change arrived while the call ran");
}

static neko_status config_read(void *instance, const neko_sink *sink, neko_error *error)
{
    (void)error;
    state *self = instance;
    char text[128];
    pthread_mutex_lock(&self->lock);
    int len = snprintf(text, sizeof text, "{\"word\":\"%s\"}", self->word);
    pthread_mutex_unlock(&self->lock);
    sink->write(sink, (const uint8_t *)text, (size_t)len);
    return NEKO_OK;
}

/* Takes {"word":"..."}: the value between the third and fourth quotes. */
static neko_status config_change(void *instance, const uint8_t *json, size_t len, neko_error *error)
{
    state *self = instance;
    const char *quote[4];
    size_t found = 0;
    for (size_t i = 0; i < len && found < 4; i++) if (json[i] == '"') quote[found++] = (const char *)json + i;
    if (found < 4 || (size_t)(quote[3] - quote[2] - 1) >= sizeof self->word) {
        error->status = NEKO_ERR_INVALID_ARGUMENT;
        snprintf(error->message, sizeof error->message, "expected {\"word\": a short string}");
        return NEKO_ERR_INVALID_ARGUMENT;
    }
    struct timespec end = in_ten_seconds();
    pthread_mutex_lock(&self->lock);
    while (self->holding == 0 && pthread_cond_timedwait(&self->changed, &self->lock, &end) == 0) {}
    if (self->holding == 0) {
        pthread_mutex_unlock(&self->lock);
        error->status = NEKO_ERR_UNAVAILABLE;
        snprintf(error->message, sizeof error->message, "no call was in flight");
        return NEKO_ERR_UNAVAILABLE;
    }
    size_t n = (size_t)(quote[3] - quote[2] - 1);
    memcpy(self->word, quote[2] + 1, n);
    self->word[n] = 0;
    self->changes++;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->lock);
    return NEKO_OK;
}

static const neko_plugin_config config = { sizeof(neko_plugin_config), config_read, config_change };

static const void *fx_get_extension(void *instance, const char *id)
{
    (void)instance;
    return strcmp(id, NEKO_PLUGIN_CONFIG_EXTENSION) == 0 ? &config : NULL;
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "hold", NULL, "Waits for a settings change, then answers the new word.", NULL, 0, 0 },
};

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "settings_concurrent",
    .sdk = "c",
    .entry_count = 1,
    .entries = entries,
    .create = fx_create,
    .start = fx_start,
    .invoke = fx_invoke,
    .stop = fx_stop,
    .destroy = fx_destroy,
    .get_extension = fx_get_extension,
};

EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    return &plugin;
}

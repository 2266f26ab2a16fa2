/* Manifest tests: a plugin whose id comes from -DPLUGIN_ID='"weather"' (so it
 * can stand in for any manifest). `config` answers the configuration the host
 * gave it (neko_host.config_json), so a test sees exactly what a plugin
 * receives from its plugin.toml. */
#include <stdlib.h>
#include <string.h>
#include "neko_abi.h"

#ifndef PLUGIN_ID
#define PLUGIN_ID "configecho"
#endif

typedef struct instance { char *config; size_t len; } instance;

static void *create(const neko_host *host, neko_error *error) {
    (void)error;
    instance *self = calloc(1, sizeof *self);
    if (self == NULL) return NULL;
    self->len = host->config_json_len;
    self->config = malloc(self->len + 1);
    if (self->config == NULL) { free(self); return NULL; }
    memcpy(self->config, host->config_json, self->len);
    return self;
}

static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)self->config, self->len, NULL};
    call->complete(call, &result);
}

static void destroy(void *opaque) {
    instance *self = opaque;
    free(self->config);
    free(self);
}

static const neko_entry entries[] = {
    {sizeof(neko_entry), 0, "config", NULL, "Answers the configuration the host gave the plugin.", NULL, 0, 0},
};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = PLUGIN_ID, .sdk = "c", .entry_count = 1, .entries = entries,
    .create = create, .invoke = invoke, .destroy = destroy,
};
__attribute__((visibility("default"))) const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

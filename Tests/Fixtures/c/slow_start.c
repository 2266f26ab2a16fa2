/* The host must give up on a start that overruns the manifest's timeout, keep
 * serving, and never call the abandoned instance again (not even destroy). */
#define _POSIX_C_SOURCE 199309L
#include <stdlib.h>
#include <time.h>
#include "neko_abi.h"

static void *create(const neko_host *host, neko_error *error) { (void)error; return (void *)host; }
static neko_status start(void *self, neko_error *error) {
    (void)self; (void)error;
    struct timespec pause = {0, 600 * 1000 * 1000};
    nanosleep(&pause, NULL);
    return NEKO_ERR_EXECUTION_FAILED; /* late, and failing: the host must not destroy */
}
static void invoke(void *self, const neko_call *call) { (void)self; (void)call; abort(); }
static void destroy(void *self) { (void)self; abort(); }

static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "slowstart", .sdk = "c", .create = create, .start = start, .invoke = invoke, .destroy = destroy,
};
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

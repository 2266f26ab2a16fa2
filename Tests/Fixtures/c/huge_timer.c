/* The host must refuse (at register) a timer whose interval is out of range,
 * rather than overflow computing it. */
#include <stdint.h>
#include "neko_abi.h"

static void *create(const neko_host *host, neko_error *error) { (void)error; return (void *)host; }
static void invoke(void *self, const neko_call *call) { (void)self; (void)call; }
static void on_timer(void *self, uint32_t index) { (void)self; (void)index; }
static void destroy(void *self) { (void)self; }

static const neko_timer timers[] = {{sizeof(neko_timer), NEKO_TIMER_AUTO_START, "forever", UINT64_MAX}};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "hugetimer", .sdk = "c", .timer_count = 1, .timers = timers,
    .create = create, .invoke = invoke, .on_timer = on_timer, .destroy = destroy,
};
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

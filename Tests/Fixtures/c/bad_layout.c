/* Host must refuse it: build with -DDEFECT=N, one layout defect each, every
 * one named by the host's error with the element and both sizes.
 *   1  descriptor shorter than 1.0 (struct_size NEKO_PLUGIN_SIZE_1_0 - 8)
 *   2  entries of different struct_size (96, then 48): no stride fits both
 *   3  entry struct_size below 1.0 (40)
 *   4  entry struct_size not a multiple of 8 (52)
 *   5  timers of different struct_size (48, then 24)
 * Otherwise a plugin "badlayout" with entries `a` and `b`, timers `t1`, `t2`. */
#include <stdlib.h>
#include "neko_abi.h"

#ifndef DEFECT
#error "build with -DDEFECT=1..5"
#endif

/* Entries and timers of a future ABI, of fixed sizes whatever this header's are. */
typedef struct long_entry { neko_entry known; unsigned char since_1_9[96 - sizeof(neko_entry)]; } long_entry;
typedef struct long_timer { neko_timer known; unsigned char since_1_9[48 - sizeof(neko_timer)]; } long_timer;
_Static_assert(sizeof(long_entry) == 96 && sizeof(long_timer) == 48, "fixed sizes");

static void *create(const neko_host *host, neko_error *error) { (void)host; (void)error; return malloc(1); }
static void invoke(void *self, const neko_call *call) {
    (void)self;
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)"{}", 2, NULL};
    call->complete(call, &result);
}
static void on_timer(void *self, uint32_t index) { (void)self; (void)index; }
static void destroy(void *self) { free(self); }

#if DEFECT == 2
#define FIRST_SIZE sizeof(long_entry)
#define SECOND_SIZE NEKO_ENTRY_SIZE_1_0
#elif DEFECT == 3
#define FIRST_SIZE 40
#define SECOND_SIZE 40
#elif DEFECT == 4
#define FIRST_SIZE 52
#define SECOND_SIZE 52
#else
#define FIRST_SIZE sizeof(long_entry)
#define SECOND_SIZE sizeof(long_entry)
#endif
static const long_entry entries[] = {
    {{.struct_size = FIRST_SIZE, .id = "a"}, {0}},
    {{.struct_size = SECOND_SIZE, .id = "b"}, {0}},
};
static const long_timer timers[] = {
    {{.struct_size = sizeof(long_timer), .id = "t1", .interval_ms = 1000}, {0}},
    {{.struct_size = DEFECT == 5 ? NEKO_TIMER_SIZE_1_0 : sizeof(long_timer), .id = "t2", .interval_ms = 1000}, {0}},
};
static const neko_plugin plugin = {
    .struct_size = DEFECT == 1 ? NEKO_PLUGIN_SIZE_1_0 - 8 : sizeof(neko_plugin),
    .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "badlayout", .sdk = "c", .entry_count = 2, .entries = &entries[0].known,
    .timer_count = 2, .timers = &timers[0].known,
    .create = create, .invoke = invoke, .on_timer = on_timer, .destroy = destroy,
};

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) {
    (void)host;
    return &plugin;
}

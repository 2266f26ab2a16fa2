/* Compile-time checks of the layout promises neko_abi.h makes. The target
 * needs one C source anyway; this one costs nothing at run time. */
#include "neko_abi.h"

_Static_assert(offsetof(neko_call, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(neko_plugin, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(neko_host, struct_size) == 0, "struct_size comes first");
_Static_assert(sizeof(neko_abi_version) == 8, "neko_abi_version is two uint32_t");
_Static_assert(sizeof(neko_status) == 4, "neko_status is 32 bits");

/* The frozen 1.0 sizes: the end of each struct's last 1.0 field. Appending a
 * field keeps these true; moving or resizing a 1.0 field breaks them (and
 * every plugin built for 1.0). */
#define NEKO_ENDS_AT(type, field, size) \
    _Static_assert(offsetof(type, field) + sizeof(((type *)0)->field) == (size), \
                   #type "." #field " must end at " #size ", as in ABI 1.0"); \
    _Static_assert(sizeof(type) >= (size), #type " is at least its 1.0 size")

#if UINTPTR_MAX == UINT64_MAX
NEKO_ENDS_AT(neko_result, field, NEKO_RESULT_SIZE_1_0);
NEKO_ENDS_AT(neko_call, complete, NEKO_CALL_SIZE_1_0);
NEKO_ENDS_AT(neko_host, get_extension, NEKO_HOST_SIZE_1_0);
NEKO_ENDS_AT(neko_entry, reserved, NEKO_ENTRY_SIZE_1_0);
NEKO_ENDS_AT(neko_timer, interval_ms, NEKO_TIMER_SIZE_1_0);
NEKO_ENDS_AT(neko_error, message, NEKO_ERROR_SIZE_1_0);
NEKO_ENDS_AT(neko_sink, write, NEKO_SINK_SIZE_1_0);
NEKO_ENDS_AT(neko_plugin, get_extension, NEKO_PLUGIN_SIZE_1_0);
NEKO_ENDS_AT(neko_plugin_config, change, NEKO_PLUGIN_CONFIG_SIZE_1_0);
NEKO_ENDS_AT(neko_host_info, host_name, NEKO_HOST_INFO_SIZE_1_0);
/* The frozen 1.1 sizes of the structs that grew in 1.1. */
NEKO_ENDS_AT(neko_call, parent, NEKO_CALL_SIZE_1_1);
NEKO_ENDS_AT(neko_host, progress, NEKO_HOST_SIZE_1_1);
NEKO_ENDS_AT(neko_entry, reserved2, NEKO_ENTRY_SIZE_1_1);
/* Strides of arrays stay 8-aligned (the header's stride rule). */
_Static_assert(NEKO_ENTRY_SIZE_1_0 % 8 == 0 && NEKO_TIMER_SIZE_1_0 % 8 == 0 && NEKO_ENTRY_SIZE_1_1 % 8 == 0,
               "strides are multiples of 8");
#else
#error "neko_abi.h's frozen 1.0 sizes are for LP64 targets (64-bit Linux)"
#endif

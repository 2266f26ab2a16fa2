/* Compile-time checks of the layout promises neko_abi.h makes. The target
 * needs one C source anyway; this one costs nothing at run time. */
#include "neko_abi.h"

_Static_assert(offsetof(neko_call, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(neko_plugin, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(neko_host, struct_size) == 0, "struct_size comes first");
_Static_assert(sizeof(neko_abi_version) == 8, "neko_abi_version is two uint32_t");
_Static_assert(sizeof(neko_status) == 4, "neko_status is 32 bits");

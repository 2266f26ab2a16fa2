/* Host must refuse it after dlopen, naming the missing symbol neko_plugin_register: the library does not export it. */
/*
 * The classic mistake: the register function is spelled differently
 * (`neko_register_plugin` is exported). (The other classic, a hidden
 * `neko_plugin_register` under -fvisibility=hidden, cannot happen any more:
 * neko_abi.h declares it with NEKO_EXPORT.)
 */
#include "neko_abi.h"

/* Exported, but under the wrong name. */
NEKO_EXPORT const neko_plugin *neko_register_plugin(const neko_host_info *host);
NEKO_EXPORT const neko_plugin *neko_register_plugin(const neko_host_info *host)
{
    (void)host;
    return NULL;
}

/* Host must refuse it after dlopen, naming the missing symbol neko_plugin_register: the library does not export it. */
/*
 * The classic mistakes, both at once: the register function is spelled
 * differently (`neko_register_plugin` is exported), and the real name is
 * defined but hidden (no visibility attribute under -fvisibility=hidden).
 */
#include "neko_abi.h"

#define EXPORT __attribute__((visibility("default")))

/* Hidden: not in the dynamic symbol table. */
const neko_plugin *neko_plugin_register(const neko_host_info *host);
const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host;
    return NULL;
}

/* Exported, but under the wrong name. */
EXPORT const neko_plugin *neko_register_plugin(const neko_host_info *host);
EXPORT const neko_plugin *neko_register_plugin(const neko_host_info *host)
{
    return neko_plugin_register(host);
}

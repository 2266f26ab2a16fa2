/* Host must refuse it with "register returned NULL": neko_plugin_register returns no descriptor. */
#include "neko_abi.h"

NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host; /* eg a plugin that cannot run under this host */
    return NULL;
}

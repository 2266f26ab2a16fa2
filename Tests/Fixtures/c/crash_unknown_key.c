/* `nekoctl check --exercise` must fail its unknown-key check, not crash, on a plugin that crashes on an unknown argument. */
/*
 * id "crash_unknown_key": one sync entry `echo` whose schema is any object
 * with an optional integer `n`. Arguments with a key other than `n` make it
 * abort() (the defect); otherwise it answers {"ok":true}.
 */
#include "broken_fixture.h"

#include <stdlib.h>
#include <string.h>

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    const char *args = (const char *)call->args;
    char previous = 0;
    for (size_t i = 0; args != NULL && i < call->args_len; i++) {
        char c = args[i];
        if (c == '"' && (previous == '{' || previous == ',')) { /* a key */
            const char *end = memchr(args + i + 1, '"', call->args_len - i - 1);
            if (end == NULL) break;
            if (end - (args + i + 1) != 1 || args[i + 1] != 'n') abort(); /* the defect */
            size_t v = (size_t)(end - args) + 2; /* past `":` */
            while (v < call->args_len && args[v] == ' ') v++;
            if (v >= call->args_len || !(args[v] == '-' || (args[v] >= '0' && args[v] <= '9'))) {
                finish(call, NEKO_ERR_INVALID_ARGUMENT, "argument 'n' must be an integer", "n");
                return;
            }
            i = (size_t)(end - args);
        }
        if (c != ' ' && c != '\n') previous = c;
    }
    finish(call, NEKO_OK, "{\"ok\":true}", NULL);
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "echo", NULL, "Answers ok.",
      "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}", 0, 0 },
};

FIXTURE_PLUGIN("crash_unknown_key")

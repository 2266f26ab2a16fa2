/* `nekoctl check --exercise` must fail its invalid-arguments check on a plugin whose invalid_argument names no field. */
/*
 * id "no_field": one sync entry `greet` {"name": string, required}. It
 * answers {"greeting":"hi"} when the arguments hold a string `name`, and
 * otherwise invalid_argument "bad arguments" with `field` NULL: the error
 * does not say which argument is wrong (the defect). It accepts unknown keys.
 */
#include "broken_fixture.h"

#include <stdlib.h>
#include <string.h>

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    if (has(call, "\"name\":\"")) finish(call, NEKO_OK, "{\"greeting\":\"hi\"}", NULL);
    else finish(call, NEKO_ERR_INVALID_ARGUMENT, "bad arguments", NULL);
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "greet", NULL, "Greets `name`.",
      "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}", 0, 0 },
};

FIXTURE_PLUGIN("no_field")

/* `nekoctl check --exercise` must fail its descriptor check on a plugin whose argument schema is JSON but not a JSON Schema. */
/*
 * id "invalid_schema": one sync entry `greet` whose args_schema is valid
 * JSON but no valid schema ("type":"objekt", "required" not an array: the
 * defect). It answers {"ok":true} to anything, and accepts unknown keys.
 */
#include "broken_fixture.h"

#include <stdlib.h>
#include <string.h>

static void fx_invoke(void *self, const neko_call *call)
{
    (void)self;
    finish(call, NEKO_OK, "{\"ok\":true}", NULL);
}

static const neko_entry entries[] = {
    { sizeof(neko_entry), 0, "greet", NULL, "Answers ok.",
      "{\"type\":\"objekt\",\"required\":\"name\"}", 0, 0 },
};

FIXTURE_PLUGIN("invalid_schema")

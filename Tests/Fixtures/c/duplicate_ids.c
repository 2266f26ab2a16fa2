/* `nekoctl check --exercise` must fail its descriptor check on a plugin that declares one entry id twice. */
/*
 * id "duplicate_ids": two entries both called `greet` (the defect); each
 * answers {"ok":true}. A host refuses to load it.
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
    { sizeof(neko_entry), 0, "greet", NULL, "The first greet.", NULL, 0, 0 },
    { sizeof(neko_entry), 0, "greet", NULL, "The second greet.", NULL, 0, 0 },
};

FIXTURE_PLUGIN("duplicate_ids")

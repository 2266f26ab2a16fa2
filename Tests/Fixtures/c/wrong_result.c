/* `nekoctl check --exercise` must fail its valid-arguments check on a plugin
 * whose result breaks the result schema it declares (ABI 1.1).
 *
 * id "wrong_result": one sync entry `greet` that takes any object and
 * declares a result {"greeting": string}, but answers {"greeting":42}: the
 * defect. */
#include "broken_fixture.h"

static void fx_invoke(void *self, const neko_call *call) { (void)self; finish(call, NEKO_OK, "{\"greeting\":42}", NULL); }

static const neko_entry entries[] = {
    {.struct_size = sizeof(neko_entry), .id = "greet", .description = "Answers a greeting, or so it says.",
     .args_schema = "{\"type\":\"object\"}",
     .result_schema = "{\"type\":\"object\",\"properties\":{\"greeting\":{\"type\":\"string\"}},\"required\":[\"greeting\"]}"},
};

FIXTURE_PLUGIN("wrong_result")

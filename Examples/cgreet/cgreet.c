/*
 * cgreet — a Neko plugin in plain C, written from neko_abi.h alone.
 *
 * Build, from the repository root (zero warnings; exports only
 * `neko_plugin_register`):
 *   mkdir -p plugins/cgreet && cp Examples/cgreet/plugin.toml plugins/cgreet/
 *   cc -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -I Sources/NekoABI/include Examples/cgreet/cgreet.c -o plugins/cgreet/libcgreet.so
 *
 * Entries (all sync: each completes before `invoke` returns):
 *   greet  {"name": string} -> {"greeting":"Hello, <name>!"}
 *   noop   anything         -> {}           the raw cost of an ABI call
 *   echo   anything         -> the same bytes
 *   count  anything         -> {"count":N}  a per-instance atomic counter
 *   log    anything         -> logs and emits the arguments,
 *                              -> {"emitted":true} or {"emitted":false,"status":N}
 * The counter survives a hot reload through save_state/restore_state
 * (decimal text, eg "42").
 */
#include "neko_abi.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * The instance
 * ------------------------------------------------------------------------- */

typedef struct cgreet {
    const neko_host *host; /* host-owned, valid until destroy returns */
    _Atomic uint64_t count;
    atomic_bool stopped;
} cgreet;

static void set_error(neko_error *error, neko_status status, const char *message)
{
    if (error == NULL) return;
    error->status = status;
    snprintf(error->message, sizeof error->message, "%s", message);
}

/* [lifecycle] */
static void *cgreet_create(const neko_host *host, neko_error *error)
{
    cgreet *self = malloc(sizeof *self);
    if (self == NULL) {
        set_error(error, NEKO_ERR_EXECUTION_FAILED, "cgreet: out of memory for the instance");
        return NULL;
    }
    self->host = host;
    atomic_init(&self->count, 0);
    atomic_init(&self->stopped, false);
    return self;
}

/* [lifecycle] Nothing to open: cgreet has no files and no threads. */
static neko_status cgreet_start(void *instance, neko_error *error)
{
    (void)error;
    atomic_store(&((cgreet *)instance)->stopped, false);
    return NEKO_OK;
}

/* [lifecycle] Safe to call twice: the second call finds nothing to do. */
static void cgreet_stop(void *instance)
{
    cgreet *self = instance;
    if (atomic_exchange(&self->stopped, true)) return; /* already stopped */
    /* A plugin that holds resources releases them here, once. */
}

/* [lifecycle] Frees the instance; the host never uses it again. */
static void cgreet_destroy(void *instance)
{
    free(instance);
}

/* [lifecycle] The counter as decimal text, eg "42". */
static neko_status cgreet_save_state(void *instance, const neko_sink *sink, neko_error *error)
{
    (void)error;
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, atomic_load(&((cgreet *)instance)->count));
    sink->write(sink, (const uint8_t *)text, (size_t)n);
    return NEKO_OK;
}

/* [lifecycle] Reads what save_state wrote: 1 to 20 decimal digits. */
static neko_status cgreet_restore_state(void *instance, const uint8_t *data, size_t len, neko_error *error)
{
    uint64_t value = 0;
    bool ok = len > 0 && len <= 20;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned digit = (unsigned)data[i] - '0';
        ok = digit <= 9 && value <= (UINT64_MAX - digit) / 10;
        value = value * 10 + digit;
    }
    if (!ok) {
        char message[128];
        snprintf(message, sizeof message,
                 "cgreet: saved state must be a decimal count (eg \"42\"), got %zu bytes", len);
        set_error(error, NEKO_ERR_INVALID_ARGUMENT, message);
        return NEKO_ERR_INVALID_ARGUMENT;
    }
    atomic_store(&((cgreet *)instance)->count, value);
    return NEKO_OK;
}

/* ---------------------------------------------------------------------------
 * Completion
 * ------------------------------------------------------------------------- */

/* Completes `call` once. `data` and `field` only need to live until this
 * returns: the result is borrowed by the completion callback. */
static void finish(const neko_call *call, neko_status status, const void *data, size_t len, const char *field)
{
    neko_result result = {
        .struct_size = sizeof(neko_result),
        .status = status,
        .data = data,
        .len = len,
        .field = field,
    };
    call->complete(call, &result);
}

static void fail(const neko_call *call, neko_status status, const char *message, const char *field)
{
    finish(call, status, message, strlen(message), field);
}

/* ---------------------------------------------------------------------------
 * A minimal JSON reader for `greet`.
 *
 * Limits (enough for {"name": "..."} and honest about the rest):
 *   - It finds the first top-level key spelled exactly "name" (a key written
 *     with escapes, eg "\u006eame", does not match; a later duplicate is ignored).
 *   - Other values are skipped, not validated: nested brackets are counted,
 *     not matched by kind, and numbers and literals are taken as they come.
 *   - The name's escapes are checked: \" \\ \/ \b \f \n \r \t stay as they
 *     are, \uXXXX is decoded (surrogate pairs joined, a lone surrogate becomes
 *     U+FFFD) and written back as UTF-8, or as \u00XX for a control character.
 *   - Bytes >= 0x80 are copied as they are: the ABI promises UTF-8.
 * ------------------------------------------------------------------------- */

typedef struct scanner {
    const uint8_t *p;
    const uint8_t *end;
} scanner;

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(scanner *s)
{
    while (s->p < s->end && is_space(*s->p)) s->p++;
}

/* At '"': moves past the closing quote. False if the string is unterminated
 * or holds a raw control character. */
static bool skip_string(scanner *s)
{
    for (s->p++; s->p < s->end;) {
        uint8_t c = *s->p++;
        if (c == '"') return true;
        if (c < 0x20) return false;
        if (c == '\\') {
            if (s->p == s->end) return false;
            s->p++;
        }
    }
    return false;
}

/* Moves past one value. False if it is malformed or cut short. */
static bool skip_value(scanner *s)
{
    if (s->p == s->end) return false;
    if (*s->p == '"') return skip_string(s);
    if (*s->p == '{' || *s->p == '[') {
        size_t depth = 0;
        while (s->p < s->end) {
            uint8_t c = *s->p;
            if (c == '"') {
                if (!skip_string(s)) return false;
                continue;
            }
            s->p++;
            if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return true;
        }
        return false;
    }
    const uint8_t *start = s->p;
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && !is_space(*s->p)) s->p++;
    return s->p > start;
}

typedef enum lookup { ARGS_MALFORMED, NAME_MISSING, NAME_NOT_STRING, NAME_STRING } lookup;

/* Finds the top-level "name" of the object `json`. On NAME_STRING and
 * NAME_NOT_STRING, `value` is the raw value (quotes included for a string). */
static lookup find_name(const uint8_t *json, size_t len, const uint8_t **value, size_t *value_len)
{
    if (json == NULL) return ARGS_MALFORMED; /* no arguments at all */
    scanner s = { json, json + len };
    skip_space(&s);
    if (s.p == s.end || *s.p != '{') return ARGS_MALFORMED;
    s.p++;
    skip_space(&s);
    if (s.p < s.end && *s.p == '}') return NAME_MISSING;
    for (;;) {
        skip_space(&s);
        if (s.p == s.end || *s.p != '"') return ARGS_MALFORMED;
        const uint8_t *key = s.p + 1;
        if (!skip_string(&s)) return ARGS_MALFORMED;
        size_t key_len = (size_t)(s.p - 1 - key);
        skip_space(&s);
        if (s.p == s.end || *s.p != ':') return ARGS_MALFORMED;
        s.p++;
        skip_space(&s);
        const uint8_t *start = s.p;
        if (!skip_value(&s)) return ARGS_MALFORMED;
        if (key_len == 4 && memcmp(key, "name", 4) == 0) {
            *value = start;
            *value_len = (size_t)(s.p - start);
            return *start == '"' ? NAME_STRING : NAME_NOT_STRING;
        }
        skip_space(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        return s.p < s.end && *s.p == '}' ? NAME_MISSING : ARGS_MALFORMED;
    }
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the XXXX of "\uXXXX" at p (p points at the backslash). */
static bool read_u_escape(const uint8_t *p, const uint8_t *end, uint32_t *out)
{
    if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
    uint32_t v = 0;
    for (int i = 2; i < 6; i++) {
        int d = hex_digit(p[i]);
        if (d < 0) return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* Writes code point `cp` as JSON string content. At most 6 bytes, never more
 * than the escape it was read from. */
static uint8_t *put_code_point(uint8_t *o, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    if (cp < 0x20) {
        memcpy(o, "\\u00", 4);
        o[4] = (uint8_t)hex[cp >> 4];
        o[5] = (uint8_t)hex[cp & 15];
        return o + 6;
    }
    if (cp == '"' || cp == '\\') {
        o[0] = '\\';
        o[1] = (uint8_t)cp;
        return o + 2;
    }
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xC0 | cp >> 6);
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xE0 | cp >> 12);
        *o++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (uint8_t)(0xF0 | cp >> 18);
        *o++ = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Copies the content of a JSON string (between its quotes) to `o` as JSON
 * string content, checking and normalising its escapes. Never writes more
 * bytes than it reads. Returns the end of the output, or NULL if malformed. */
static uint8_t *copy_string_content(uint8_t *o, const uint8_t *p, const uint8_t *end)
{
    while (p < end) {
        uint8_t c = *p;
        if (c != '\\') {
            if (c < 0x20) return NULL;
            *o++ = c;
            p++;
            continue;
        }
        if (end - p < 2) return NULL;
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            *o++ = p[0];
            *o++ = p[1];
            p += 2;
            continue;
        case 'u':
            break;
        default:
            return NULL;
        }
        uint32_t cp, low;
        if (!read_u_escape(p, end, &cp)) return NULL;
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && read_u_escape(p, end, &low) && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD; /* a lone surrogate */
        }
        o = put_code_point(o, cp);
    }
    return o;
}

/* ---------------------------------------------------------------------------
 * Entries
 * ------------------------------------------------------------------------- */

static void entry_greet(const neko_call *call)
{
    static const char prefix[] = "{\"greeting\":\"Hello, ";
    static const char suffix[] = "!\"}";
    const uint8_t *value = NULL;
    size_t value_len = 0;
    char message[160];

    switch (find_name(call->args, call->args_len, &value, &value_len)) {
    case ARGS_MALFORMED:
        fail(call, NEKO_ERR_INVALID_ARGUMENT, "arguments must be a JSON object, eg {\"name\":\"Ada\"}", NULL);
        return;
    case NAME_MISSING:
        fail(call, NEKO_ERR_INVALID_ARGUMENT, "missing argument 'name': expected a string, eg {\"name\":\"Ada\"}", "name");
        return;
    case NAME_NOT_STRING: {
        size_t shown = value_len;
        if (shown > 40) {
            shown = 40;
            while (shown > 0 && (value[shown] & 0xC0) == 0x80) shown--; /* keep UTF-8 whole */
        }
        snprintf(message, sizeof message, "argument 'name' must be a string, got %.*s%s",
                 (int)shown, (const char *)value, shown < value_len ? "..." : "");
        fail(call, NEKO_ERR_INVALID_ARGUMENT, message, "name");
        return;
    }
    case NAME_STRING:
        break;
    }

    /* The output never outgrows the input string, so one bound is enough. */
    size_t content_len = value_len - 2;
    size_t bound = sizeof prefix - 1 + content_len + sizeof suffix - 1;
    uint8_t stack[256];
    uint8_t *out = bound <= sizeof stack ? stack : malloc(bound);
    if (out == NULL) {
        fail(call, NEKO_ERR_EXECUTION_FAILED, "out of memory for the greeting", NULL);
        return;
    }
    memcpy(out, prefix, sizeof prefix - 1);
    uint8_t *o = copy_string_content(out + sizeof prefix - 1, value + 1, value + 1 + content_len);
    if (o == NULL) {
        fail(call, NEKO_ERR_INVALID_ARGUMENT, "argument 'name' must be a valid JSON string (bad escape or control character)", "name");
    } else {
        memcpy(o, suffix, sizeof suffix - 1);
        o += sizeof suffix - 1;
        finish(call, NEKO_OK, out, (size_t)(o - out), NULL);
    }
    if (out != stack) free(out);
}

static void entry_count(cgreet *self, const neko_call *call)
{
    uint64_t n = atomic_fetch_add_explicit(&self->count, 1, memory_order_relaxed) + 1;
    char json[40];
    int len = snprintf(json, sizeof json, "{\"count\":%" PRIu64 "}", n);
    finish(call, NEKO_OK, json, (size_t)len, NULL);
}

static void entry_log(cgreet *self, const neko_call *call)
{
    const neko_host *host = self->host;
    if (NEKO_HAS_FIELD(host, neko_host, log) && host->log != NULL)
        host->log(host, NEKO_LOG_INFO, (const char *)call->args, call->args_len);
    neko_status receipt = NEKO_ERR_UNAVAILABLE; /* a host without emit */
    if (NEKO_HAS_FIELD(host, neko_host, emit) && host->emit != NULL)
        receipt = host->emit(host, "cgreet.logged", call->args, call->args_len);
    if (receipt == NEKO_OK) {
        finish(call, NEKO_OK, "{\"emitted\":true}", 16, NULL);
        return;
    }
    char json[48];
    int len = snprintf(json, sizeof json, "{\"emitted\":false,\"status\":%" PRId32 "}", receipt);
    finish(call, NEKO_OK, json, (size_t)len, NULL);
}

enum { ENTRY_GREET, ENTRY_NOOP, ENTRY_ECHO, ENTRY_COUNT, ENTRY_LOG, ENTRY_TOTAL };

/* [any-thread] Every entry is sync and touches only atomics: no lock. */
static void cgreet_invoke(void *instance, const neko_call *call)
{
    cgreet *self = instance;
    switch (call->entry_index) {
    case ENTRY_GREET: entry_greet(call); return;
    case ENTRY_NOOP: finish(call, NEKO_OK, "{}", 2, NULL); return;
    case ENTRY_ECHO: finish(call, NEKO_OK, call->args, call->args_len, NULL); return;
    case ENTRY_COUNT: entry_count(self, call); return;
    case ENTRY_LOG: entry_log(self, call); return;
    default: fail(call, NEKO_ERR_NOT_FOUND, "cgreet: no entry at this index", NULL); return;
    }
}

/* ---------------------------------------------------------------------------
 * The descriptor
 * ------------------------------------------------------------------------- */

#define ANY_OBJECT "{\"type\":\"object\"}"

static const neko_entry entries[ENTRY_TOTAL] = {
    [ENTRY_GREET] = {
        .struct_size = sizeof(neko_entry),
        .id = "greet",
        .name = "Greet",
        .description = "Returns a greeting for `name`.",
        .args_schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\","
                       "\"description\":\"who to greet, eg Ada\"}},\"required\":[\"name\"]}",
    },
    [ENTRY_NOOP] = {
        .struct_size = sizeof(neko_entry),
        .id = "noop",
        .name = "No-op",
        .description = "Ignores its arguments and returns {}: the raw cost of a call.",
        .args_schema = ANY_OBJECT,
    },
    [ENTRY_ECHO] = {
        .struct_size = sizeof(neko_entry),
        .id = "echo",
        .name = "Echo",
        .description = "Returns its arguments unchanged.",
        .args_schema = ANY_OBJECT,
    },
    [ENTRY_COUNT] = {
        .struct_size = sizeof(neko_entry),
        .id = "count",
        .name = "Count",
        .description = "Increments this instance's counter and returns {\"count\":N}.",
        .args_schema = "{\"type\":\"object\",\"properties\":{}}",
    },
    [ENTRY_LOG] = {
        .struct_size = sizeof(neko_entry),
        .id = "log",
        .name = "Log",
        .description = "Logs its arguments and emits them as the message cgreet.logged.",
        .args_schema = ANY_OBJECT,
    },
};

static const neko_plugin descriptor = {
    .struct_size = sizeof(neko_plugin),
    .abi = { NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR },
    .plugin_id = "cgreet",
    .plugin_version = "1.0.0",
    .swift_version = NULL, /* no Swift in this plugin */
    .sdk = "c",
    .entry_count = ENTRY_TOTAL,
    .entries = entries,
    .timer_count = 0,
    .timers = NULL,
    .create = cgreet_create,
    .start = cgreet_start,
    .invoke = cgreet_invoke,
    .cancel = NULL,        /* every entry completes before invoke returns */
    .on_timer = NULL,
    .stop = cgreet_stop,
    .destroy = cgreet_destroy,
    .save_state = cgreet_save_state,
    .restore_state = cgreet_restore_state,
    .get_extension = NULL,
};

/* The one exported symbol (NEKO_EXPORT: visible under -fvisibility=hidden;
 * neko_abi.h declares its prototype, so a wrong signature does not compile).
 * It only describes: no threads, no files. */
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host)
{
    (void)host; /* the host checks our ABI version against its own */
    return &descriptor;
}


/*
 * neko_abi.h — the Neko plugin ABI, version 1.1.
 *
 * This header is the only thing that crosses the boundary between a Neko host
 * and a plugin `.so`. It is plain C11 with no other dependency: a C programmer
 * can write a plugin from it alone (see Examples/cgreet for one).
 *
 * The whole protocol, in order:
 *   1. The host reads and validates `plugin.toml` (it never opens a library
 *      whose manifest is bad, because `dlopen` runs the library's constructors).
 *   2. The host `dlopen`s a private copy of the library and looks up the one
 *      exported symbol, `neko_plugin_register` (see NEKO_REGISTER_SYMBOL).
 *   3. `neko_plugin_register(&host_info)` returns a constant descriptor: the
 *      ABI version the plugin was built against, its id, its entries and
 *      timers, and its function table. The host checks the ABI version before
 *      it calls anything else.
 *   4. `create` makes an instance, bound to a per-instance `neko_host` table
 *      (logging, messages, calls to other plugins, folders, config).
 *   5. `start`, then any number of concurrent `invoke` calls and timer ticks,
 *      then `stop` and `destroy`. The host never `dlclose`s the library.
 *
 * Conventions (every struct and function below follows them):
 *   - Every struct starts with `struct_size`, the `sizeof` the writer was built
 *     with. A reader refuses a struct shorter than its 1.0 size
 *     (NEKO_<STRUCT>_SIZE_1_0) and never touches a field that lies beyond
 *     `struct_size` (NEKO_HAS_FIELD); new fields are only ever appended, and
 *     a published field never changes meaning (a changed behaviour gets a new
 *     name). Arrays of structs are walked with the writer's stride (see
 *     `neko_plugin.entries`).
 *   - Thread tags on every function:
 *       [any-thread]   may be called from any thread, concurrently;
 *       [lifecycle]    called by the host from one thread at a time, never
 *                      concurrently with another [lifecycle] call of the same
 *                      instance, and never concurrently with `invoke`
 *                      unless said otherwise; it may block.
 *   - Ownership on every pointer: "borrowed" means valid only for the duration
 *     of the call that passed it (copy what you keep); "host-owned" and
 *     "plugin-owned" say who frees it and until when it stays valid.
 *   - Strings are UTF-8 and NUL-terminated unless passed as pointer + length.
 *     JSON is UTF-8 text passed as pointer + length, never NUL-terminated.
 *   - Nothing unwinds across this boundary: no C++ exception, no Swift error,
 *     no longjmp. Errors cross as data (a status code plus a message).
 */
#ifndef NEKO_ABI_H
#define NEKO_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------- */

/* The ABI this header describes. This is not the product version of Neko, nor
 * of any plugin. The major changes on a break; the minor grows with additions
 * (fields appended to the end of a struct, new flags, new extensions).
 *
 * The version rule (docs/ABI.md, "Versioning"):
 *   - the descriptor's `abi` is the version the plugin was BUILT WITH (these
 *     two macros); `[plugin].abi` of plugin.toml is the MINIMUM host version
 *     the plugin needs;
 *   - the three majors (host, manifest, descriptor) must be equal;
 *   - a host loads a plugin when its minor is at least the manifest's, even
 *     if the descriptor's minor is newer than its own: it reads only the
 *     fields it knows and ignores the rest;
 *   - a host older than the manifest's minimum refuses the plugin before it
 *     opens the library (no plugin code runs), naming both versions;
 *   - a plugin (the Swift SDK does it for its authors) tests every host field
 *     newer than its manifest's minimum with NEKO_HAS_FIELD before use. */
#define NEKO_ABI_VERSION_MAJOR 1
#define NEKO_ABI_VERSION_MINOR 1

/* Whether `ptr` (a struct with `struct_size` first) reaches `field`: a reader
 * never touches a field beyond the writer's `struct_size`.
 * eg: if (NEKO_HAS_FIELD(host, neko_host, get_extension) && host->get_extension) ... */
#define NEKO_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* The sizes of the structs in ABI 1.0, on LP64 (x86_64, aarch64 Linux): the
 * smallest `struct_size` a reader accepts. A writer always sets `struct_size`
 * to its own `sizeof`; a reader refuses a struct shorter than the 1.0 size and
 * tests every field appended since 1.0 with NEKO_HAS_FIELD. Frozen: these
 * numbers never change (neko_abi.c asserts them at compile time). */
#define NEKO_RESULT_SIZE_1_0 32
#define NEKO_CALL_SIZE_1_0 56
#define NEKO_HOST_SIZE_1_0 104
#define NEKO_ENTRY_SIZE_1_0 48
#define NEKO_TIMER_SIZE_1_0 24
#define NEKO_ERROR_SIZE_1_0 520
#define NEKO_SINK_SIZE_1_0 24
#define NEKO_PLUGIN_SIZE_1_0 160
#define NEKO_PLUGIN_CONFIG_SIZE_1_0 24
#define NEKO_HOST_INFO_SIZE_1_0 24

/* The sizes of the structs that grew in ABI 1.1 (the others are as in 1.0).
 * Frozen as well, for a 1.2 reader. */
#define NEKO_CALL_SIZE_1_1 88
#define NEKO_HOST_SIZE_1_1 120
#define NEKO_ENTRY_SIZE_1_1 64

/* Marks the one symbol a plugin exports, so that a plugin built with
 * `-fvisibility=hidden` (recommended: nothing else leaks) still exports it. */
#if defined(_WIN32)
#define NEKO_EXPORT __declspec(dllexport)
#else
#define NEKO_EXPORT __attribute__((visibility("default")))
#endif

/* The name of the one symbol a plugin exports. */
#define NEKO_REGISTER_SYMBOL "neko_plugin_register"

typedef struct neko_abi_version {
    uint32_t major; /* eg: 1 */
    uint32_t minor; /* eg: 0 */
} neko_abi_version;

/* -------------------------------------------------------------------------
 * Status codes: how every error crosses the boundary.
 * The host shows them by name (in parentheses), eg "error: invalid_argument: ...".
 * ------------------------------------------------------------------------- */

typedef int32_t neko_status;
enum {
    NEKO_OK = 0,
    NEKO_ERR_INVALID_ARGUMENT = 1, /* (invalid_argument) arguments do not match the entry's schema */
    NEKO_ERR_NOT_FOUND = 2,        /* (not_found) no such plugin or entry */
    NEKO_ERR_EXECUTION_FAILED = 3, /* (execution_failed) the entry ran and failed */
    NEKO_ERR_TIMEOUT = 4,          /* (timeout) the call overran its deadline */
    NEKO_ERR_CANCELED = 5,         /* (canceled) the caller canceled the call */
    NEKO_ERR_UNAVAILABLE = 6,      /* (unavailable) not loaded, stopping, or refused for back-pressure */
    NEKO_ERR_INTERNAL = 7,         /* (internal) a broken promise of this ABI, on either side */
    NEKO_ERR_CRASHED = 8           /* (plugin_crashed) an isolated plugin's process died during the call */
};

/* Log levels, from the most verbose. */
typedef int32_t neko_log_level;
enum {
    NEKO_LOG_TRACE = 0,
    NEKO_LOG_DEBUG = 1,
    NEKO_LOG_INFO = 2,
    NEKO_LOG_WARNING = 3,
    NEKO_LOG_ERROR = 4
};

/* -------------------------------------------------------------------------
 * Results and calls
 * ------------------------------------------------------------------------- */

/* The outcome of a call, handed to a completion callback.
 * All of it is borrowed: valid only during the completion callback. */
typedef struct neko_result {
    uint32_t struct_size;   /* sizeof(neko_result) */
    neko_status status;     /* NEKO_OK, or an error code */
    /* NEKO_OK: the result, a JSON value (eg `{"greeting":"hi"}`; an empty
     * buffer means `null`). Otherwise: a UTF-8 message saying what failed and
     * why (eg "argument 'name' must be a string, got 42"). */
    const uint8_t *data;
    size_t len;
    /* With NEKO_ERR_INVALID_ARGUMENT: the failing argument (eg "name",
     * "items[2].id"), or NULL. Otherwise NULL. */
    const char *field;
} neko_result;

typedef struct neko_call neko_call;

/* Receives the outcome of `call`. Called exactly once per call, on any thread,
 * either before the function that took the call returns or later.
 * [any-thread] `result` and everything it points to are borrowed. */
typedef void (*neko_complete_fn)(const neko_call *call, const neko_result *result);

/* One call of an entry. The caller fills it in and keeps it (but not `args`)
 * alive and unchanged until `complete` has been called. */
struct neko_call {
    uint32_t struct_size;     /* sizeof(neko_call) */
    uint32_t entry_index;     /* index into the descriptor's `entries`; ignored by `neko_host.call` */
    uint64_t call_id;         /* the call's id and the key for `cancel`, never reused by a host
                                 (eg 42). A 1.1 host gives every call one; a 1.0 host gave a sync
                                 entry's call 0 (it never cancels those). */
    const uint8_t *args;      /* a JSON object (eg `{"name":"Ada"}`), borrowed: valid only until
                                 the function that took the call returns. NULL with args_len 0
                                 means `{}`. The host does not check it against `args_schema`:
                                 the plugin validates its own arguments, unless
                                 the entry sets NEKO_ENTRY_VALIDATE_ARGS (1.1). */
    size_t args_len;
    uint32_t timeout_ms;      /* the caller's deadline from now, in ms; 0: none */
    uint32_t reserved;        /* 0 */
    void *context;            /* the caller's, for `complete`; never read by the callee */
    neko_complete_fn complete; /* mandatory */

    /* ---- Appended in 1.1: the call's context. A callee reads each field only
     * when NEKO_HAS_FIELD(call, neko_call, <field>) (a 1.0 caller's call is
     * shorter). The host fills them in on every call it makes; a plugin that
     * calls through `neko_host.call` sets `deadline_ns` and `parent` (or zero
     * them: the host then derives both) and leaves `caller` and `depth` zero
     * (the host sets those itself). */

    /* When the caller stops waiting: an absolute CLOCK_MONOTONIC time in ns
     * (what clock_gettime(CLOCK_MONOTONIC) returns, the same in every process
     * of the machine), eg 81234567890123; 0: none. Already the smaller of the
     * caller's and the entry's deadlines. In `neko_host.call`: the plugin's
     * own wish (0: none), which the host lowers to the parent's deadline. */
    uint64_t deadline_ns;
    /* Who calls: the id of the plugin whose `neko_host.call` made the call
     * (eg "planner"), or NULL for a client of the host (an application, nekoctl,
     * a socket, HTTP or MCP client). Borrowed, as `args`. */
    const char *caller;
    /* How deep in a chain of calls: 1 for a client's call, the parent's + 1
     * for a plugin's call made while serving another. A host refuses a call
     * deeper than its bound (16 by default) with NEKO_ERR_UNAVAILABLE naming
     * the chain, instead of overflowing a stack. */
    uint32_t depth;
    uint32_t reserved2;       /* 0 */
    /* In `neko_host.call`: the call the plugin is serving when it makes this
     * one (the `call` its `invoke` received), or NULL. The host takes the
     * parent's deadline when it is sooner, counts the depth and names the
     * chain from it. NULL inside a sync entry's `invoke` is fine: the host
     * knows which call that thread is serving. Set by the host: NULL. */
    const neko_call *parent;
};

/* -------------------------------------------------------------------------
 * The host, as a plugin instance sees it.
 * Host-owned; valid, with every string it points to, from `create` until
 * `destroy` returns. A function pointer may be NULL in a host that lacks it:
 * test before calling.
 * ------------------------------------------------------------------------- */

typedef struct neko_host neko_host;
struct neko_host {
    uint32_t struct_size;        /* sizeof(neko_host) as the host was built */
    neko_abi_version abi;        /* the host's ABI version (eg 1.1) */
    const char *host_name;       /* eg "nekoctl 0.1.0" */
    const char *plugin_id;       /* eg "hello" */
    const char *plugin_dir;      /* the folder that holds plugin.toml, eg "/srv/plugins/hello" */
    const char *data_dir;        /* where the plugin keeps its data; exists; eg "/srv/plugins/hello" */
    /* The plugin's config: its own tables of plugin.toml (all but [plugin]
     * with its sub-tables, [plugin_runtime] and [plugin_state]) as one JSON
     * object, eg `{"greeting":{"word":"hi"}}`. Read-only; what changes at
     * run time is the plugin's settings (extension neko.plugin.config/1). */
    const uint8_t *config_json;
    size_t config_json_len;
    void *host_data;             /* the host's; never read by the plugin */

    /* Writes a log line attributed to this plugin. `message` is borrowed.
     * [any-thread] Re-entrant: may be called from any plugin function,
     * `create` to `destroy`; never blocks on the plugin. */
    void (*log)(const neko_host *host, neko_log_level level, const char *message, size_t len);

    /* Sends a message to the host (an event for whoever listens). `topic`
     * (eg "greeted") and `payload` (a JSON value) are borrowed.
     * Returns NEKO_OK when the host accepted it, NEKO_ERR_UNAVAILABLE when it
     * refused it for back-pressure, NEKO_ERR_INVALID_ARGUMENT when the payload
     * is not JSON. A message is never dropped silently. [any-thread]
     * Re-entrant: may be called from any plugin function, `create` to
     * `destroy`; never blocks (a full queue refuses instead). */
    neko_status (*emit)(const neko_host *host, const char *topic, const uint8_t *payload, size_t len);

    /* Calls entry `entry_id` of plugin `plugin_id` (both borrowed). `call` is
     * filled in by the plugin (entry_index is ignored) and must stay valid
     * until its `complete` runs, which may happen before this returns. Errors,
     * including an unknown plugin or entry, arrive through `complete`.
     * Set `call->parent` (1.1) to the call being served, if any: the new
     * call then inherits its deadline and depth (see `neko_call`).
     * [any-thread] Re-entrant: may be called from `invoke`, a timer, `start`
     * or `stop` (a call from `start` or `stop` must not wait for a plugin
     * that is loading after this one). Never wait for the completion inside
     * `invoke` of a sync entry on a call that can come back to this plugin:
     * that deadlocks. */
    void (*call)(const neko_host *host, const char *plugin_id, const char *entry_id, const neko_call *call);

    /* Returns the host extension with this id (eg "neko.host.store/1"), or
     * NULL. Host-owned, valid until `destroy`. [any-thread] Re-entrant. */
    const void *(*get_extension)(const neko_host *host, const char *id);

    /* ---- Appended in 1.1 (test NEKO_HAS_FIELD(host, neko_host, <field>)). */

    /* Cancels an outgoing call: `call` is the pointer this plugin gave to
     * `neko_host.call`. Its completion still arrives, exactly once, with
     * NEKO_ERR_CANCELED (or with its result when it was too late); the callee
     * is asked to stop (its `cancel`). A call already completed is ignored:
     * after its `complete` ran, never pass that pointer again (its memory may
     * be another call's by then). [any-thread] Re-entrant: may be called from
     * `invoke`, a timer, `start` or `stop`. */
    void (*cancel)(const neko_host *host, const neko_call *call);

    /* Reports the progress of the call `call` this plugin is serving (the
     * pointer its `invoke` received): `done` of `total` (total <= 0: unknown),
     * and an optional message (borrowed, UTF-8, eg "3 of 10 pages"; NULL with
     * len 0 for none). The host passes it to whoever made the call, when it
     * listens (nekoctl call --progress, the control socket, an MCP progress
     * token); otherwise it is dropped. Never fails; ignored after the call is
     * completed. [any-thread] Re-entrant. Cheap when nobody listens. */
    void (*progress)(const neko_host *host, const neko_call *call, double done, double total,
                     const char *message, size_t len);
};

/* -------------------------------------------------------------------------
 * The plugin, as the host sees it.
 * ------------------------------------------------------------------------- */

enum {
    NEKO_ENTRY_ASYNC = 1u << 0,        /* may complete after `invoke` returns */
    /* (1.1) The host checks the arguments against `args_schema` before
     * `invoke` and answers NEKO_ERR_INVALID_ARGUMENT itself, naming every
     * failing field with its JSON path (docs/SCHEMA.md lists the keywords).
     * A plugin that relies on it declares `abi = "1.1"` in its manifest: a
     * 1.0 host ignores the flag. */
    NEKO_ENTRY_VALIDATE_ARGS = 1u << 1
};

/* (1.1) What an entry promises about its effects, as the MCP tool annotations
 * do (readOnlyHint, destructiveHint, idempotentHint, openWorldHint). Each set
 * bit is a claim; an unset bit claims nothing. Hints are for clients (an
 * agent deciding what to ask a person about); the host does not enforce them. */
enum {
    NEKO_HINT_READ_ONLY = 1u << 0,   /* changes nothing */
    NEKO_HINT_DESTRUCTIVE = 1u << 1, /* may delete or overwrite */
    NEKO_HINT_IDEMPOTENT = 1u << 2,  /* calling again with the same arguments changes nothing more */
    NEKO_HINT_OPEN_WORLD = 1u << 3   /* reaches outside the machine (network, other services) */
};

/* One entry of a plugin. Plugin-owned, constant, valid while the library is
 * mapped (for ever: hosts do not unload). */
typedef struct neko_entry {
    uint32_t struct_size;     /* sizeof(neko_entry) */
    uint32_t flags;           /* NEKO_ENTRY_* */
    const char *id;           /* mandatory, unique in the plugin, `[A-Za-z0-9_.-]{1,128}`, eg "greet" */
    const char *name;         /* for people, eg "Greet"; may be NULL (then: the id) */
    const char *description;  /* eg "Returns a greeting for `name`."; may be NULL */
    /* The JSON Schema of the arguments object, eg
     * `{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`;
     * NULL means any object. */
    const char *args_schema;
    uint32_t timeout_ms;      /* the entry's own deadline; 0: the host's default */
    uint32_t reserved;        /* 0 */

    /* ---- Appended in 1.1 (the host reads them when the entry's struct_size
     * reaches them). */
    /* The JSON Schema of the result, eg `{"type":"object","properties":
     * {"greeting":{"type":"string"}}}`; NULL: not said. Shown by `nekoctl info`
     * and given to MCP clients as the tool's output schema. */
    const char *result_schema;
    uint32_t hints;           /* NEKO_HINT_* */
    uint32_t reserved2;       /* 0 */
} neko_entry;

enum {
    NEKO_TIMER_AUTO_START = 1u << 0 /* the host starts it after `start` */
};

/* An interval timer the host runs. Plugin-owned, constant, as `neko_entry`. */
typedef struct neko_timer {
    uint32_t struct_size;     /* sizeof(neko_timer) */
    uint32_t flags;           /* NEKO_TIMER_* */
    const char *id;           /* mandatory, unique in the plugin, `[A-Za-z0-9_.-]{1,128}`, eg "heartbeat" */
    uint64_t interval_ms;     /* eg 1000 */
} neko_timer;

/* An error a lifecycle function reports: caller-provided. The host sets
 * `struct_size` and zeroes the rest; the plugin sets `status` and writes a
 * NUL-terminated message (truncated to fit). */
typedef struct neko_error {
    uint32_t struct_size;     /* sizeof(neko_error) */
    neko_status status;       /* what the plugin sets besides returning it */
    char message[512];        /* eg "cannot open data.db: permission denied" */
} neko_error;

/* Receives bytes the plugin produces (used by `save_state`), in one or more
 * writes that the host appends. `data` is borrowed. The host cannot fail a
 * write (it grows its buffer). [same thread as the function that got the sink] */
typedef struct neko_sink {
    uint32_t struct_size;     /* sizeof(neko_sink) */
    void *context;            /* the host's */
    void (*write)(const struct neko_sink *sink, const uint8_t *data, size_t len);
} neko_sink;

/* What `neko_plugin_register` returns. Plugin-owned and constant: valid, with
 * everything it points to, while the library is mapped. */
typedef struct neko_plugin {
    uint32_t struct_size;            /* sizeof(neko_plugin) */
    neko_abi_version abi;            /* NEKO_ABI_VERSION_MAJOR/MINOR the plugin was built with */
    const char *plugin_id;           /* eg "hello"; must equal `[plugin].id` of the manifest.
                                        NULL: the manifest's id stands (a host older
                                        than this rule refuses NULL: docs/ABI.md). */
    const char *plugin_version;      /* eg "1.2.0"; NULL: the manifest's stands. A host refuses a
                                        library whose version differs from its manifest's. */
    /* The Swift compiler that built the plugin, eg "6.3.1", or NULL for a
     * plugin with no Swift in it. A host refuses a Swift plugin built by
     * another compiler version: Swift has no stable ABI on Linux. */
    const char *swift_version;
    const char *sdk;                 /* what built the descriptor, eg "NekoPlugin 0.1.0" or "c" */

    /* The arrays are walked with the stride the plugin declares, not with the
     * host's `sizeof`: element i is at `(const char *)entries + i * stride`,
     * where stride = `entries[0].struct_size`. So a plugin built with newer
     * headers (longer entries) and one built with older ones (shorter) both
     * load. Every element must have the same `struct_size`, at least the 1.0
     * size (NEKO_ENTRY_SIZE_1_0, NEKO_TIMER_SIZE_1_0) and a multiple of 8 (the
     * alignment of the pointers in it); otherwise the host refuses the plugin,
     * naming the element and both sizes. An array of the plugin's own
     * `neko_entry` type always qualifies. */
    uint32_t entry_count;            /* eg 2 */
    const neko_entry *entries;       /* `entry_count` entries */
    uint32_t timer_count;            /* eg 0 */
    const neko_timer *timers;        /* `timer_count` timers, or NULL */

    /* Makes an instance bound to `host`. Returns NULL on failure, with `error`
     * filled in. The plugin's constructor-like work happens here.
     * [lifecycle] */
    void *(*create)(const neko_host *host, neko_error *error);

    /* Runs the plugin's startup hook. Returns NEKO_OK, or an error with `error`
     * filled in (the host then calls `destroy` and lists the plugin as failed).
     * [lifecycle] May block. If it overruns the manifest's `timeout`, the host
     * lists the plugin as failed and abandons the instance: it never calls
     * anything of it again, not even `destroy` (it cannot interrupt `start`). */
    neko_status (*start)(void *instance, neko_error *error);

    /* Calls `entries[call->entry_index]`. The result arrives through
     * `call->complete`, exactly once, possibly before `invoke` returns (a sync
     * entry), possibly later and on another thread (an async one).
     * [any-thread] Concurrent calls are the norm. */
    void (*invoke)(void *instance, const neko_call *call);

    /* Asks the plugin to cancel the in-flight call `call_id`; its completion
     * still arrives (with NEKO_ERR_CANCELED, or its result if it was too late).
     * An unknown or finished id is ignored. May be NULL. [any-thread] */
    void (*cancel)(void *instance, uint64_t call_id);

    /* Runs timer `timers[timer_index]` once. May be NULL when timer_count is 0.
     * [any-thread] Never concurrently with itself for the same timer. Ticks
     * run between `start` and `stop`: the host ends them before `stop` and
     * before `save_state`. */
    void (*on_timer)(void *instance, uint32_t timer_index);

    /* Runs the plugin's shutdown hook. Before it, the host stops admitting
     * calls and waits until every call in flight has completed (an async one
     * too), canceling those still running at its deadline; no call and no
     * timer tick follows. A call the plugin still holds must be completed by
     * `stop` (eg with NEKO_ERR_CANCELED). Safe to call twice. [lifecycle] */
    void (*stop)(void *instance);

    /* Frees the instance. The host calls it exactly once, after `stop` (or
     * after a failed `start`); nothing of the instance is used afterwards.
     * [lifecycle] */
    void (*destroy)(void *instance);

    /* Writes the plugin's state (opaque bytes, eg JSON) to `sink`, for a
     * newer generation's `restore_state` (hot reload). May be NULL.
     * [lifecycle] */
    neko_status (*save_state)(void *instance, const neko_sink *sink, neko_error *error);

    /* Takes over state written by `save_state` of an older generation, before
     * `start`. `data` is borrowed. May be NULL. [lifecycle] */
    neko_status (*restore_state)(void *instance, const uint8_t *data, size_t len, neko_error *error);

    /* Returns the plugin extension with this id, or NULL. Plugin-owned, valid
     * until `destroy`. May be NULL. [any-thread] */
    const void *(*get_extension)(void *instance, const char *id);
} neko_plugin;

/* -------------------------------------------------------------------------
 * Plugin extension "neko.plugin.config/1": the plugin's settings.
 * A plugin that keeps settings (eg config.json beside plugin.toml) returns
 * this struct from `get_extension(instance, NEKO_PLUGIN_CONFIG_EXTENSION)`.
 * Plugin-owned, constant, valid until `destroy`.
 * Rationale: the C names say "config" and are frozen since 1.0; everywhere
 * else (SDK, host, nekoctl, docs) this is "settings", and "config" is only
 * `config_json`, the plugin's tables of plugin.toml.
 * ------------------------------------------------------------------------- */

#define NEKO_PLUGIN_CONFIG_EXTENSION "neko.plugin.config/1"

typedef struct neko_plugin_config {
    uint32_t struct_size; /* sizeof(neko_plugin_config) */

    /* Writes the current settings, a JSON object, to `sink`.
     * [any-thread] */
    neko_status (*read)(void *instance, const neko_sink *sink, neko_error *error);

    /* Asks the plugin to take new settings: `json` (borrowed) is a JSON object
     * of the keys to change, merged over the current settings. The plugin runs
     * its change hook with the old and the new settings; if the hook or the
     * decoding fails, nothing changes (the old settings stay, in memory and on
     * disk) and an error is returned. Otherwise the plugin saves them
     * atomically and returns NEKO_OK.
     * [lifecycle, concurrent with invoke] Never concurrently with another
     * [lifecycle] call (nor with itself), but it runs while `invoke` calls
     * and timer ticks are in flight: a setting changes under running calls.
     * The plugin guards the settings its entries and timers read (a lock, or
     * an atomic swap of an immutable copy), and an entry reads them once per
     * call. The Swift SDK's SettingsFile does both. May block. */
    neko_status (*change)(void *instance, const uint8_t *json, size_t len, neko_error *error);
} neko_plugin_config;

/* What the host tells `neko_plugin_register`. Host-owned, borrowed for the
 * duration of the call. */
typedef struct neko_host_info {
    uint32_t struct_size;     /* sizeof(neko_host_info) */
    neko_abi_version abi;     /* the host's ABI version (eg 1.1) */
    const char *host_name;    /* eg "nekoctl 0.1.0" */
} neko_host_info;

/* The one symbol a plugin exports. Returns the plugin's constant descriptor,
 * or NULL if the plugin cannot run under this host (it may log nothing: the
 * host reports "register returned NULL"). Must not start threads or touch
 * files: it only describes. [lifecycle] Safe to call more than once.
 * `host` is borrowed for the call. */
typedef const neko_plugin *(*neko_register_fn)(const neko_host_info *host);

/* Its prototype: a plugin's definition with another signature is a compile
 * error ("conflicting types"), and NEKO_EXPORT gives it default visibility
 * under `-fvisibility=hidden`. A plugin defines it as
 *   NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host) { ... }
 * A host that only looks the symbol up (dlsym) never defines it. */
NEKO_EXPORT const neko_plugin *neko_plugin_register(const neko_host_info *host);

#ifdef __cplusplus
}
#endif

#endif /* NEKO_ABI_H */

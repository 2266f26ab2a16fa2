/* A hostile plugin for the sandbox tests (SandboxTests): its one entry, `try`,
 * attempts what a sandbox must deny or allow and answers what the kernel said.
 * Arguments: {"op": OP, "arg": TEXT}; the answer: {"ok":true,"value":"..."}
 * or {"ok":false,"errno":13,"error":"Permission denied"}. Ops:
 *   read PATH, write PATH (create + write), connect PORT (TCP, 127.0.0.1),
 *   exec PATH (posix_spawn, waits; value: exit status), ptrace (attach to the
 *   host), mount (a tmpfs on /tmp), unix PATH (connect a named Unix socket),
 *   kill (signal 0 to the host), env NAME (value: the variable or "(unset)"),
 *   plant TARGET (a symlink data/escape -> TARGET), datadir (value: the data folder). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "neko_abi.h"

extern char **environ;

typedef struct instance { char data_dir[1024]; } instance;

static void *create(const neko_host *host, neko_error *error) {
    (void)error;
    instance *self = calloc(1, sizeof *self);
    if (self != NULL && host->data_dir != NULL) snprintf(self->data_dir, sizeof self->data_dir, "%s", host->data_dir);
    return self;
}

/* The string value of "key" in a flat JSON object (no escapes), into `out`. */
static void field(const uint8_t *args, size_t len, const char *key, char *out, size_t size) {
    out[0] = 0;
    char text[2048];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, args, n);
    text[n] = 0;
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    char *start = strstr(text, pattern);
    if (start == NULL) return;
    start += strlen(pattern);
    char *end = strchr(start, '"');
    if (end == NULL) return;
    size_t length = (size_t)(end - start) < size - 1 ? (size_t)(end - start) : size - 1;
    memcpy(out, start, length);
    out[length] = 0;
}

static int attempt(instance *self, const char *op, const char *arg, char *value, size_t size) {
    value[0] = 0;
    if (strcmp(op, "read") == 0) {
        int fd = open(arg, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return errno;
        ssize_t got = read(fd, value, size - 1);
        int error = errno;
        close(fd);
        if (got < 0) return error;
        value[got] = 0;
        for (ssize_t i = 0; i < got; i++) if (value[i] == '"' || value[i] == '\\' || (unsigned char)value[i] < 32) value[i] = '.';
        return 0;
    }
    if (strcmp(op, "write") == 0) {
        int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
        ssize_t put = write(fd, "sandboxed", 9);
        int error = errno;
        close(fd);
        return put == 9 ? 0 : error;
    }
    if (strcmp(op, "connect") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return errno;
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(arg))};
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int status = connect(fd, (struct sockaddr *)&address, sizeof address);
        int error = errno;
        close(fd);
        return status == 0 ? 0 : error;
    }
    if (strcmp(op, "exec") == 0) {
        pid_t pid;
        char *argv[] = {(char *)arg, NULL};
        int status = posix_spawn(&pid, arg, NULL, NULL, argv, environ);
        if (status != 0) return status;
        int exit_status = 0;
        if (waitpid(pid, &exit_status, 0) < 0) return errno;
        snprintf(value, size, "%d", WIFEXITED(exit_status) ? WEXITSTATUS(exit_status) : 128 + WTERMSIG(exit_status));
        /* posix_spawn reports a failed exec as exit status 127 on some libcs */
        return 0;
    }
    if (strcmp(op, "ptrace") == 0) {
        if (ptrace(PTRACE_ATTACH, getppid(), NULL, NULL) != 0) return errno;
        (void)ptrace(PTRACE_DETACH, getppid(), NULL, NULL);
        return 0;
    }
    if (strcmp(op, "mount") == 0) {
        return mount("none", "/tmp", "tmpfs", 0, NULL) == 0 ? (umount2("/tmp", 0), 0) : errno;
    }
    if (strcmp(op, "unix") == 0) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return errno;
        struct sockaddr_un address = {.sun_family = AF_UNIX};
        snprintf(address.sun_path, sizeof address.sun_path, "%s", arg);
        int status = connect(fd, (struct sockaddr *)&address, sizeof address);
        int error = errno;
        close(fd);
        return status == 0 ? 0 : error;
    }
    if (strcmp(op, "kill") == 0) return kill(getppid(), 0) == 0 ? 0 : errno;
    if (strcmp(op, "env") == 0) {
        const char *found = getenv(arg);
        snprintf(value, size, "%s", found != NULL ? found : "(unset)");
        return 0;
    }
    if (strcmp(op, "plant") == 0) {
        char link[1200];
        snprintf(link, sizeof link, "%s/escape", self->data_dir);
        unlink(link);
        return symlink(arg, link) == 0 ? 0 : errno;
    }
    if (strcmp(op, "datadir") == 0) {
        snprintf(value, size, "%s", self->data_dir);
        return 0;
    }
    return EINVAL;
}

static void invoke(void *opaque, const neko_call *call) {
    instance *self = opaque;
    char op[64], arg[1024], value[512], answer[1024];
    field(call->args, call->args_len, "op", op, sizeof op);
    field(call->args, call->args_len, "arg", arg, sizeof arg);
    int error = attempt(self, op, arg, value, sizeof value);
    if (error == 0) {
        snprintf(answer, sizeof answer, "{\"ok\":true,\"value\":\"%s\"}", value);
    } else {
        snprintf(answer, sizeof answer, "{\"ok\":false,\"errno\":%d,\"error\":\"%s\"}", error, strerror(error));
    }
    neko_result result = {sizeof result, NEKO_OK, (const uint8_t *)answer, strlen(answer), NULL};
    call->complete(call, &result);
}

static void destroy(void *opaque) { free(opaque); }

static const neko_entry entries[] = {
    {sizeof(neko_entry), 0, "try", NULL, "Attempts an operation the sandbox governs and answers what the kernel said.", NULL, 0, 0},
};
static const neko_plugin plugin = {
    .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
    .plugin_id = "hostile", .sdk = "c", .entry_count = 1, .entries = entries,
    .create = create, .invoke = invoke, .destroy = destroy,
};
__attribute__((visibility("default"))) const neko_plugin *neko_plugin_register(const neko_host_info *host) { (void)host; return &plugin; }

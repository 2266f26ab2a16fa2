/* See include/neko_sandbox.h. */
#define _GNU_SOURCE
#include "neko_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <ucontext.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* The kernel's structs (include/uapi/linux/landlock.h), declared here so that
 * an older header does not hide fields. */
struct neko_ruleset_attr { uint64_t handled_access_fs, handled_access_net, scoped; };
struct neko_path_beneath_attr { uint64_t allowed_access; int32_t parent_fd; } __attribute__((packed));
struct neko_net_port_attr { uint64_t allowed_access; uint64_t port; };
#define NEKO_LL_CREATE_RULESET_VERSION (1U << 0)
#define NEKO_LL_RULE_PATH_BENEATH 1
#define NEKO_LL_RULE_NET_PORT 2

/* The rights that apply to a file (not a folder). */
#define NEKO_LL_FILE_RIGHTS (NEKO_LL_FS_EXECUTE | NEKO_LL_FS_WRITE_FILE | NEKO_LL_FS_READ_FILE | NEKO_LL_FS_TRUNCATE | NEKO_LL_FS_IOCTL_DEV)

int neko_landlock_abi(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, NEKO_LL_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

uint64_t neko_landlock_fs_rights(int abi) {
    if (abi < 1) return 0;
    uint64_t rights = (NEKO_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0-12 */
    if (abi >= 2) rights |= NEKO_LL_FS_REFER;
    if (abi >= 3) rights |= NEKO_LL_FS_TRUNCATE;
    if (abi >= 5) rights |= NEKO_LL_FS_IOCTL_DEV;
    return rights;
}

int neko_landlock_create(int abi, uint64_t handled_fs, uint64_t handled_net, uint64_t scoped) {
    struct neko_ruleset_attr attr = {handled_fs, handled_net, scoped};
    size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    long fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (fd < 0) return -errno;
    (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return (int)fd;
}

int neko_landlock_allow_path(int ruleset, const char *path, uint64_t access) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat info;
    if (fstat(fd, &info) != 0) { int error = errno; close(fd); return -error; }
    if (!S_ISDIR(info.st_mode)) access &= NEKO_LL_FILE_RIGHTS;
    struct neko_path_beneath_attr attr = {access, fd};
    long status = syscall(SYS_landlock_add_rule, ruleset, NEKO_LL_RULE_PATH_BENEATH, &attr, 0);
    int error = errno;
    close(fd);
    return status < 0 ? -error : 0;
}

int neko_landlock_allow_port(int ruleset, uint64_t port, uint64_t access) {
    struct neko_net_port_attr attr = {access, port};
    return syscall(SYS_landlock_add_rule, ruleset, NEKO_LL_RULE_NET_PORT, &attr, 0) < 0 ? -errno : 0;
}

int neko_landlock_enforce(int ruleset) {
    long status = syscall(SYS_landlock_restrict_self, ruleset, 0);
    int error = errno;
    close(ruleset);
    return status < 0 ? -error : 0;
}

int neko_no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ? -errno : 0;
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t written = write(fd, text, strlen(text));
    int error = errno;
    close(fd);
    return written == (ssize_t)strlen(text) ? 0 : (written < 0 ? -error : -EIO);
}

int neko_enter_empty_network(void) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return -errno;
    char map[64];
    int status = write_file("/proc/self/setgroups", "deny");
    if (status != 0 && status != -ENOENT) return status;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if ((status = write_file("/proc/self/uid_map", map)) != 0) return status;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    return write_file("/proc/self/gid_map", map);
}

/* Denied calls, counted by number, when the filter traps them (x86_64 and
 * aarch64: the SIGSYS handler can set the call's return value there). */
#define NEKO_MAX_SYSCALL 1024
static _Atomic uint32_t denied_counts[NEKO_MAX_SYSCALL];
static int denial_pipe = -1;

#if defined(__x86_64__) || defined(__aarch64__)
#define NEKO_TRAPS 1
/* A trapped call returns -EPERM, as SCMP_ACT_ERRNO(EPERM) would, after it is
 * counted and the reporter woken (write is async-signal-safe). */
static void on_sigsys(int signal, siginfo_t *info, void *context) {
    (void)signal;
    int saved = errno;
    int number = info->si_syscall;
    if (number >= 0 && number < NEKO_MAX_SYSCALL) atomic_fetch_add(&denied_counts[number], 1);
    ucontext_t *state = context;
#if defined(__x86_64__)
    state->uc_mcontext.gregs[REG_RAX] = -EPERM;
#else
    state->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
#endif
    if (denial_pipe >= 0) { char byte = 1; ssize_t ignored = write(denial_pipe, &byte, 1); (void)ignored; }
    errno = saved;
}
#else
#define NEKO_TRAPS 0
#endif

uint32_t neko_seccomp_denials(int number) {
    return number >= 0 && number < NEKO_MAX_SYSCALL ? atomic_load(&denied_counts[number]) : 0;
}

int neko_seccomp_max_syscall(void) { return NEKO_MAX_SYSCALL; }

int neko_seccomp_syscall_name(int number, char *out, size_t size) {
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
    if (name == NULL) return snprintf(out, size, "system call %d", number) < 0 ? -EINVAL : 0;
    snprintf(out, size, "%s", name);
    free(name);
    return 0;
}

int neko_seccomp_apply(int deny_exec, int report_fd) {
    uint32_t deny = SCMP_ACT_ERRNO(EPERM);
#if NEKO_TRAPS
    if (report_fd >= 0) {
        denial_pipe = report_fd;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_sigsys;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        if (sigaction(SIGSYS, &action, NULL) == 0) deny = SCMP_ACT_TRAP;
    }
#else
    (void)report_fd;
#endif
    static const char *const denied[] = {
        "ptrace", "mount", "umount2", "kexec_load", "kexec_file_load", "bpf", "keyctl", "add_key",
        "request_key", "personality", "init_module", "finit_module", "delete_module", "reboot",
        "swapon", "swapoff", "pivot_root", "chroot", "unshare", "setns", "userfaultfd",
        "perf_event_open", "process_vm_readv", "process_vm_writev", "open_by_handle_at",
        "fsopen", "fsmount", "move_mount", "open_tree",
    };
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) return -ENOMEM;
    int status = 0;
    for (size_t index = 0; index < sizeof denied / sizeof *denied && status == 0; index++) {
        int number = seccomp_syscall_resolve_name(denied[index]);
        if (number == __NR_SCMP_ERROR) continue; /* not on this architecture */
        status = seccomp_rule_add(filter, deny, number, 0);
    }
    /* New namespaces through clone: one rule per flag (the flags are arg 0 on
     * every architecture Swift runs on); clone3 passes them in memory, which a
     * filter cannot read, so it answers ENOSYS and libc falls back to clone. */
    static const unsigned long namespaces[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP};
    for (size_t index = 0; index < sizeof namespaces / sizeof *namespaces && status == 0; index++) {
        status = seccomp_rule_add(filter, deny, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, namespaces[index], namespaces[index]));
    }
    if (status == 0) status = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* A named Unix socket is reached by path, which neither Landlock (through
     * ABI 7) nor a network namespace confines: the host's control socket is
     * one. The worker's own lanes exist already; socketpair stays allowed. */
    if (status == 0) status = seccomp_rule_add(filter, deny, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
    /* exec fails with EPERM, uncounted: posix_spawn's child resets SIGSYS to
     * its default before exec, so a trap would kill it instead. */
    if (status == 0 && deny_exec) {
        status = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(execve), 0);
        if (status == 0) status = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(execveat), 0);
    }
    if (status == 0) status = seccomp_load(filter);
    seccomp_release(filter);
    return status;
}

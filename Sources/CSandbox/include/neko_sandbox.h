/* The kernel calls behind a sandboxed plugin's worker (docs/SANDBOX.md):
 * no_new_privs, an empty network namespace, Landlock and a seccomp filter.
 * Each function returns 0 (or a descriptor / version) on success and
 * -errno on failure; none of them prints anything. Linux only. */
#ifndef NEKO_SANDBOX_H
#define NEKO_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

/* Landlock filesystem rights (linux/landlock.h; this machine's header may be older). */
#define NEKO_LL_FS_EXECUTE      (1ULL << 0)
#define NEKO_LL_FS_WRITE_FILE   (1ULL << 1)
#define NEKO_LL_FS_READ_FILE    (1ULL << 2)
#define NEKO_LL_FS_READ_DIR     (1ULL << 3)
#define NEKO_LL_FS_REMOVE_DIR   (1ULL << 4)
#define NEKO_LL_FS_REMOVE_FILE  (1ULL << 5)
#define NEKO_LL_FS_MAKE_CHAR    (1ULL << 6)
#define NEKO_LL_FS_MAKE_DIR     (1ULL << 7)
#define NEKO_LL_FS_MAKE_REG     (1ULL << 8)
#define NEKO_LL_FS_MAKE_SOCK    (1ULL << 9)
#define NEKO_LL_FS_MAKE_FIFO    (1ULL << 10)
#define NEKO_LL_FS_MAKE_BLOCK   (1ULL << 11)
#define NEKO_LL_FS_MAKE_SYM     (1ULL << 12)
#define NEKO_LL_FS_REFER        (1ULL << 13) /* ABI 2 */
#define NEKO_LL_FS_TRUNCATE     (1ULL << 14) /* ABI 3 */
#define NEKO_LL_FS_IOCTL_DEV    (1ULL << 15) /* ABI 5 */
/* Landlock network rights (ABI 4). */
#define NEKO_LL_NET_BIND_TCP    (1ULL << 0)
#define NEKO_LL_NET_CONNECT_TCP (1ULL << 1)
/* Landlock scopes (ABI 6). */
#define NEKO_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define NEKO_LL_SCOPE_SIGNAL               (1ULL << 1)

/** The Landlock ABI the kernel speaks (1, 2, ...), or -errno (-ENOSYS, -EOPNOTSUPP: none). */
int neko_landlock_abi(void);
/** Every filesystem right Landlock ABI `abi` knows. */
uint64_t neko_landlock_fs_rights(int abi);
/** A ruleset handling these rights (0 for none of a kind): its descriptor, or -errno. */
int neko_landlock_create(int abi, uint64_t handled_fs, uint64_t handled_net, uint64_t scoped);
/** Allows `access` beneath `path` (a file gets only the file rights of `access`): 0 or -errno. */
int neko_landlock_allow_path(int ruleset, const char *path, uint64_t access);
/** Allows `access` on TCP port `port`: 0 or -errno. */
int neko_landlock_allow_port(int ruleset, uint64_t port, uint64_t access);
/** Confines this process (and its threads and children to come) to the ruleset, and closes it: 0 or -errno. */
int neko_landlock_enforce(int ruleset);

/** prctl(PR_SET_NO_NEW_PRIVS, 1): 0 or -errno. */
int neko_no_new_privs(void);

/** Moves this (single-threaded) process into a new user namespace, mapping
 *  its uid and gid to themselves, and a new, empty network namespace (only a
 *  loopback interface, down): 0 or -errno. */
int neko_enter_empty_network(void);

/** Loads the seccomp filter: the fixed deny list (ptrace, mount, kexec, bpf,
 *  keyctl, personality, modules, reboot, swap, pivot_root, chroot, unshare,
 *  setns, userfaultfd, perf_event_open, process_vm_*, the new mount API) fails
 *  with EPERM, as does a clone that makes a namespace (clone3: ENOSYS, so that
 *  libc falls back to clone), socket(AF_UNIX) (a named socket is reached by a
 *  path Landlock does not confine), and execve/execveat too when `deny_exec`. 0 or -errno. */
int neko_seccomp_apply(int deny_exec, int report_fd);

/* Counting denials: on x86_64 and aarch64, with `report_fd` (the write end of
 * a non-blocking pipe) given, the filter traps the calls it denies (all but
 * exec): a SIGSYS handler counts each by number, makes it return -EPERM, and
 * writes a byte to `report_fd`. Elsewhere they fail with EPERM, uncounted. */
/** How many times system call `number` was denied. */
uint32_t neko_seccomp_denials(int number);
/** The numbers below this are counted. */
int neko_seccomp_max_syscall(void);
/** The name of system call `number` on this architecture, eg "ptrace", into `out`: 0 or -errno. */
int neko_seccomp_syscall_name(int number, char *out, size_t size);

#endif

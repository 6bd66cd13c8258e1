/*
 * codex_sandbox.c - the native half of codex.sandbox (Linux only).
 *
 * Installs the process-level restrictions that the Python launcher cannot install itself:
 *   - PR_SET_NO_NEW_PRIVS,
 *   - the seccomp network filter (through libseccomp), built exactly like upstream's
 *     codex-rs/linux-sandbox/src/seccomp.rs (default allow, a matching rule returns EPERM),
 *   - Landlock filesystem rules (read everywhere, write only below the writable roots and
 *     /dev/null), with a runtime ABI check.
 * The filter can also be exported as a classic BPF program to a file descriptor, which is how
 * bubblewrap's `--seccomp FD` receives it.
 *
 * There is deliberately no pure-Python twin: if this module cannot be built or loaded,
 * sandboxed execution fails closed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <seccomp.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Our own copies of the UAPI constants: the build host's headers may predate the ABI the
 * running kernel offers. */
#define CSB_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define CSB_LANDLOCK_RULE_PATH_BENEATH 1

#define CSB_FS_EXECUTE (1ULL << 0)
#define CSB_FS_WRITE_FILE (1ULL << 1)
#define CSB_FS_READ_FILE (1ULL << 2)
#define CSB_FS_READ_DIR (1ULL << 3)
#define CSB_FS_REMOVE_DIR (1ULL << 4)
#define CSB_FS_REMOVE_FILE (1ULL << 5)
#define CSB_FS_MAKE_CHAR (1ULL << 6)
#define CSB_FS_MAKE_DIR (1ULL << 7)
#define CSB_FS_MAKE_REG (1ULL << 8)
#define CSB_FS_MAKE_SOCK (1ULL << 9)
#define CSB_FS_MAKE_FIFO (1ULL << 10)
#define CSB_FS_MAKE_BLOCK (1ULL << 11)
#define CSB_FS_MAKE_SYM (1ULL << 12)
#define CSB_FS_REFER (1ULL << 13)    /* ABI 2 */
#define CSB_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define CSB_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

/* Rights that make sense on a non-directory. */
#define CSB_FS_FILE_RIGHTS \
    (CSB_FS_EXECUTE | CSB_FS_WRITE_FILE | CSB_FS_READ_FILE | CSB_FS_TRUNCATE | CSB_FS_IOCTL_DEV)
#define CSB_FS_READ_RIGHTS (CSB_FS_EXECUTE | CSB_FS_READ_FILE | CSB_FS_READ_DIR)

struct csb_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

#define CSB_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define CSB_SCOPE_SIGNAL (1ULL << 1)

struct csb_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int codex_sbx_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, CSB_LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 0)
        return -errno;
    return (int)abi;
}

/* All filesystem rights a ruleset of `abi` can handle; upstream asks for ABI V5 best effort. */
static uint64_t csb_all_rights(int abi)
{
    uint64_t all = (CSB_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
    if (abi >= 2)
        all |= CSB_FS_REFER;
    if (abi >= 3)
        all |= CSB_FS_TRUNCATE;
    if (abi >= 5)
        all |= CSB_FS_IOCTL_DEV;
    return all;
}

int codex_sbx_set_no_new_privs(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -errno;
    return 0;
}

static int csb_add_path_rule(int ruleset_fd, const char *path, uint64_t rights, int required)
{
    struct stat st;
    struct csb_path_beneath_attr attr;
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return required ? -errno : 0; /* a missing optional root is simply not granted */
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (!S_ISDIR(st.st_mode))
        rights &= CSB_FS_FILE_RIGHTS;
    memset(&attr, 0, sizeof attr);
    attr.allowed_access = rights;
    attr.parent_fd = fd;
    long rc = syscall(SYS_landlock_add_rule, ruleset_fd, CSB_LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
    int e = errno;
    close(fd);
    return rc < 0 ? -e : 0;
}

/*
 * Restrict this process (and what it execs) to: read+execute everywhere below `/`, every right
 * below /dev/null and each of `writable` (n entries). Returns the ABI used (> 0), or -errno.
 * -ENOSYS / -EOPNOTSUPP mean Landlock is not available: the caller fails closed.
 */
int codex_sbx_landlock_restrict(const char *const *writable, int n)
{
    int abi = codex_sbx_landlock_abi();
    if (abi < 0)
        return abi;
    if (abi < 1)
        return -EOPNOTSUPP;
    int use_abi = abi > 5 ? 5 : abi;
    uint64_t all = csb_all_rights(use_abi);
    struct csb_ruleset_attr rattr = {.handled_access_fs = all};
    size_t rsize = sizeof(uint64_t); /* ABI 1-3 know only the first field */
    if (abi >= 6) {
        /* Stricter than upstream's V5: no signals to, and no abstract unix sockets of,
         * processes outside this domain (there is no PID namespace on this path). */
        rattr.scoped = CSB_SCOPE_ABSTRACT_UNIX_SOCKET | CSB_SCOPE_SIGNAL;
        rsize = sizeof rattr;
    }
    int rfd = (int)syscall(SYS_landlock_create_ruleset, &rattr, rsize, 0);
    if (rfd < 0)
        return -errno;
    int rc = csb_add_path_rule(rfd, "/", CSB_FS_READ_RIGHTS, 1);
    if (rc == 0)
        rc = csb_add_path_rule(rfd, "/dev/null", all, 0);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = csb_add_path_rule(rfd, writable[i], all, 0);
    if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        rc = -errno;
    if (rc == 0 && syscall(SYS_landlock_restrict_self, rfd, 0) != 0)
        rc = -errno;
    close(rfd);
    return rc == 0 ? (abi >= 6 ? abi : use_abi) : rc;
}

/*
 * Drop every capability (bounding set, ambient, effective/permitted/inheritable), for the
 * Landlock path where no user namespace takes them away: a sandboxed process started by root
 * must not keep CAP_SYS_ADMIN, CAP_SYS_MODULE ... With no_new_privs set, exec of a setuid
 * binary cannot give them back. 0 or -errno.
 */
#include <linux/capability.h>
int codex_sbx_drop_capabilities(void)
{
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
            break; /* past the last capability this kernel knows */
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM)
            return -errno;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0)
        return -errno;
    return 0;
}

/* Seccomp modes, as upstream's NetworkSeccompMode. */
#define CSB_SECCOMP_RESTRICTED 1    /* network off: only AF_UNIX socket()/socketpair() */
#define CSB_SECCOMP_VMSOCK 2        /* network on, filesystem restricted: no AF_VSOCK */
#define CSB_SECCOMP_PROXY_ROUTED 3  /* managed proxy: socket() only AF_INET/AF_INET6 */

static int csb_deny(scmp_filter_ctx ctx, const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* syscall absent on this architecture */
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
}

static scmp_filter_ctx csb_build(int mode, int *err)
{
    static const char *const always[] = {"io_uring_setup", "io_uring_enter", "io_uring_register", NULL};
    static const char *const tracing[] = {"ptrace", "process_vm_readv", "process_vm_writev", NULL};
    static const char *const restricted[] = {
        "connect", "accept", "accept4", "bind", "listen", "getpeername", "getsockname",
        "shutdown", "sendto", "sendmmsg", "recvmmsg", "getsockopt", "setsockopt", NULL};
    int rc = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    /* Syscalls of a foreign ABI (i386 int 0x80 socketcall, x32) kill the process. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    /* We set no_new_privs ourselves (or bwrap does), so libseccomp must not need it. */
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    for (int i = 0; rc == 0 && always[i]; i++)
        rc = csb_deny(ctx, always[i]);
    if (mode != CSB_SECCOMP_VMSOCK)
        for (int i = 0; rc == 0 && tracing[i]; i++)
            rc = csb_deny(ctx, tracing[i]);
    if (rc == 0 && mode == CSB_SECCOMP_RESTRICTED) {
        for (int i = 0; rc == 0 && restricted[i]; i++)
            rc = csb_deny(ctx, restricted[i]);
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_NE, AF_UNIX));
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socketpair), 1,
                                  SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    } else if (rc == 0 && mode == CSB_SECCOMP_PROXY_ROUTED) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2,
                              SCMP_A0(SCMP_CMP_NE, AF_INET), SCMP_A0(SCMP_CMP_NE, AF_INET6));
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socketpair), 1,
                                  SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    } else if (rc == 0 && mode == CSB_SECCOMP_VMSOCK) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
        if (rc == 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socketpair), 1,
                                  SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));
    } else if (rc == 0) {
        rc = -EINVAL;
    }
    if (rc != 0) {
        seccomp_release(ctx);
        *err = rc;
        return NULL;
    }
    return ctx;
}

/* Set no_new_privs and load the filter into this process. 0 or -errno. */
int codex_sbx_install_seccomp(int mode)
{
    int err = 0;
    scmp_filter_ctx ctx = csb_build(mode, &err);
    if (ctx == NULL)
        return err;
    int rc = codex_sbx_set_no_new_privs();
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

/* Write the filter as a classic BPF program to `fd` (bubblewrap's `--seccomp FD`). */
int codex_sbx_export_seccomp(int mode, int fd)
{
    int err = 0;
    scmp_filter_ctx ctx = csb_build(mode, &err);
    if (ctx == NULL)
        return err;
    int rc = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    return rc;
}

# cython: language_level=3, boundscheck=False, wraparound=False
# distutils: define_macros=_GNU_SOURCE=1
"""Compiled twin of `codex.process.spawn_py`: vfork/exec in C with the child set up in C.

Same API and behaviour as the pure twin (see its docstring). Everything the child needs
(executable, argv, envp, cwd) is converted to C arrays first; the parent blocks all signals
around vfork(), and the child makes only system calls before execve():

    caught signals -> SIG_DFL (and SIGPIPE, SIGXFSZ) -> setsid -> [PTY: ioctl(TIOCSCTTY)] ->
    dup2 onto 0/1/2 -> prctl(PR_SET_PDEATHSIG, SIGTERM) -> chdir -> empty signal mask -> execve

vfork rather than fork: the child borrows the parent's memory instead of copying its page
tables, which is what makes spawning from a large Python process cheap (subprocess does the same).

An exec (or chdir) failure is sent back through a close-on-exec pipe as (stage, errno) and
raised in the parent as OSError, like subprocess does.
"""

import os

from libc.stdlib cimport malloc, free
from libc.string cimport strerror
from libc.errno cimport errno, EINTR

cdef extern from "<sys/types.h>" nogil:
    ctypedef int pid_t

cdef extern from "<unistd.h>" nogil:
    int close(int fd)
    ssize_t read(int fd, void *buf, size_t n)
    int pipe2(int pipefd[2], int flags)

cdef extern from "<fcntl.h>" nogil:
    int O_RDWR
    int O_RDONLY
    int O_NOCTTY
    int O_CLOEXEC
    int open(const char *path, int flags, ...)

cdef extern from "<stdlib.h>" nogil:
    int posix_openpt(int flags)
    int grantpt(int fd)
    int unlockpt(int fd)
    int ptsname_r(int fd, char *buf, size_t buflen)

cdef extern from "<sys/ioctl.h>" nogil:
    unsigned long TIOCSWINSZ
    unsigned long TIOCGWINSZ
    struct winsize:
        unsigned short ws_row
        unsigned short ws_col
        unsigned short ws_xpixel
        unsigned short ws_ypixel
    int ioctl(int fd, unsigned long request, ...)

cdef extern from "<sys/wait.h>" nogil:
    pid_t waitpid(pid_t pid, int *status, int options)

cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #include <pthread.h>
    #include <signal.h>
    #include <string.h>
    #include <sys/ioctl.h>
    #include <sys/prctl.h>
    #include <unistd.h>

    #define CODEX_STAGE_SETUP 1
    #define CODEX_STAGE_CHDIR 2
    #define CODEX_STAGE_EXEC 3

    static void codex_child_fail(int errpipe, int stage) __attribute__((noreturn));
    static void codex_child_fail(int errpipe, int stage) {
        int msg[2];
        msg[0] = stage;
        msg[1] = errno;
        if (write(errpipe, msg, sizeof msg) < 0) { /* nothing more to do */ }
        _exit(127);
    }

    static int codex_onto(int fd, int target) {
        /* dup2(fd, fd) would keep FD_CLOEXEC: clear it by hand in that case. */
        if (fd == target) return fcntl(fd, F_SETFD, 0);
        return dup2(fd, target);
    }

    /* Runs in the vfork()ed child (shared memory, all signals blocked): syscalls only. */
    static void codex_child(const char *exe, char *const *argv, char *const *envp,
                            const char *cwd, int ctty, int fd0, int fd1, int fd2,
                            int errpipe) __attribute__((noreturn));
    static void codex_child(const char *exe, char *const *argv, char *const *envp,
                            const char *cwd, int ctty, int fd0, int fd1, int fd2,
                            int errpipe) {
        struct sigaction cur, dfl;
        sigset_t empty;
        int sig;
        /* Handlers live in the parent's memory: every caught signal goes back to default.
           Python ignores SIGPIPE and SIGXFSZ: the child starts with the defaults there too. */
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        for (sig = 1; sig < NSIG; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            if (sigaction(sig, NULL, &cur) != 0) continue;
            if (cur.sa_handler == SIG_DFL) continue;
            if (cur.sa_handler == SIG_IGN && sig != SIGPIPE && sig != SIGXFSZ) continue;
            sigaction(sig, &dfl, NULL);
        }
        if (setsid() < 0) codex_child_fail(errpipe, CODEX_STAGE_SETUP);
        if (ctty >= 0 && ioctl(ctty, TIOCSCTTY, 0) != 0) codex_child_fail(errpipe, CODEX_STAGE_SETUP);
        if (codex_onto(fd0, 0) < 0 || codex_onto(fd1, 1) < 0 || codex_onto(fd2, 2) < 0)
            codex_child_fail(errpipe, CODEX_STAGE_SETUP);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (cwd != NULL && chdir(cwd) != 0) codex_child_fail(errpipe, CODEX_STAGE_CHDIR);
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        execve(exe, argv, envp);
        codex_child_fail(errpipe, CODEX_STAGE_EXEC);
    }

    /* vfork + child setup + execve. Signals stay blocked in the parent while the child borrows
       its memory, so no Python-level handler can run in the child. */
    static pid_t codex_spawn(const char *exe, char *const *argv, char *const *envp,
                             const char *cwd, int ctty, int fd0, int fd1, int fd2,
                             int errpipe) {
        sigset_t all, old;
        pid_t pid;
        int saved;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pid = vfork();
        if (pid == 0) codex_child(exe, argv, envp, cwd, ctty, fd0, fd1, fd2, errpipe);
        saved = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = saved;
        return pid;
    }
    """
    int CODEX_STAGE_SETUP
    int CODEX_STAGE_CHDIR
    int CODEX_STAGE_EXEC
    pid_t codex_spawn(const char *exe, char **argv, char **envp, const char *cwd, int ctty,
                      int fd0, int fd1, int fd2, int errpipe) nogil

__all__ = ["get_winsize", "set_winsize", "spawn_pipes", "spawn_pty"]

def set_winsize(int fd, int rows, int cols):
    cdef winsize ws
    ws.ws_row = rows
    ws.ws_col = cols
    ws.ws_xpixel = 0
    ws.ws_ypixel = 0
    if ioctl(fd, TIOCSWINSZ, &ws) != 0:
        raise OSError(errno, strerror(errno).decode())


def get_winsize(int fd):
    cdef winsize ws
    if ioctl(fd, TIOCGWINSZ, &ws) != 0:
        raise OSError(errno, strerror(errno).decode())
    return ws.ws_row, ws.ws_col


cdef class _CArgs:
    """NULL-terminated C string arrays kept alive (with their bytes) until the exec is done."""
    cdef char **argv
    cdef char **envp
    cdef list keep

    def __cinit__(self):
        self.argv = NULL
        self.envp = NULL
        self.keep = []

    cdef char **_array(self, list items) except NULL:
        cdef Py_ssize_t n = len(items), i
        cdef char **arr = <char **>malloc((n + 1) * sizeof(char *))
        if arr == NULL:
            raise MemoryError()
        for i in range(n):
            b = items[i]
            self.keep.append(b)
            arr[i] = <char *>b
        arr[n] = NULL
        return arr

    cdef int fill(self, argv, env) except -1:
        self.argv = self._array([os.fsencode(a) for a in argv])
        self.envp = self._array([os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items()])
        return 0

    def __dealloc__(self):
        if self.argv != NULL:
            free(self.argv)
        if self.envp != NULL:
            free(self.envp)


cdef object _wait_exec(pid_t pid, int errpipe, exe, cwd):
    """Parent side: EOF on the error pipe means execve succeeded."""
    cdef int msg[2]
    cdef ssize_t n
    cdef int status = 0
    while True:
        with nogil:
            n = read(errpipe, msg, sizeof(msg))
        if n < 0 and errno == EINTR:
            continue
        break
    close(errpipe)
    if n <= 0:
        return None
    with nogil:
        while waitpid(pid, &status, 0) < 0 and errno == EINTR:
            pass
    code = msg[1] if n == sizeof(msg) else 0
    if msg[0] == CODEX_STAGE_CHDIR:
        raise OSError(code, strerror(code).decode(), cwd)
    if msg[0] == CODEX_STAGE_EXEC:
        raise OSError(code, strerror(code).decode(), exe)
    raise OSError(code, "child setup failed: " + strerror(code).decode())


cdef tuple _errpipe():
    cdef int fds[2]
    if pipe2(fds, O_CLOEXEC) != 0:
        raise OSError(errno, strerror(errno).decode())
    return fds[0], fds[1]


def spawn_pty(executable, argv, cwd, env, int rows=24, int cols=80):
    """Start `argv` on a new PTY. Returns (pid, master_fd); master_fd is non-blocking."""
    cdef _CArgs args = _CArgs()
    args.fill(argv, env)
    exe_b = os.fsencode(executable)
    cwd_b = os.fsencode(cwd) if cwd is not None else None
    cdef const char *c_exe = exe_b
    cdef const char *c_cwd = NULL
    if cwd_b is not None:
        c_cwd = cwd_b
    cdef char name[128]
    cdef int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
    if master < 0:
        raise OSError(errno, strerror(errno).decode())
    cdef int slave = -1
    cdef int er, ew
    cdef pid_t pid
    try:
        if grantpt(master) != 0 or unlockpt(master) != 0 or ptsname_r(master, name, sizeof(name)) != 0:
            raise OSError(errno, strerror(errno).decode())
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)
        if slave < 0:
            raise OSError(errno, strerror(errno).decode(), name.decode())
        set_winsize(master, rows, cols)
        er, ew = _errpipe()
        with nogil:
            pid = codex_spawn(c_exe, args.argv, args.envp, c_cwd, slave, slave, slave, slave, ew)
        close(ew)
        if pid < 0:
            close(er)
            raise OSError(errno, strerror(errno).decode())
        close(slave)
        slave = -1
        _wait_exec(pid, er, executable, cwd)
    except BaseException:
        if slave >= 0:
            close(slave)
        close(master)
        raise
    os.set_blocking(master, False)
    return pid, master


def spawn_pipes(executable, argv, cwd, env, bint stdin_pipe=False):
    """Start `argv` with piped stdout/stderr. Returns (pid, stdin_fd or -1, stdout_fd, stderr_fd)."""
    cdef _CArgs args = _CArgs()
    args.fill(argv, env)
    exe_b = os.fsencode(executable)
    cwd_b = os.fsencode(cwd) if cwd is not None else None
    cdef const char *c_exe = exe_b
    cdef const char *c_cwd = NULL
    if cwd_b is not None:
        c_cwd = cwd_b
    cdef int out_p[2]
    cdef int err_p[2]
    cdef int in_r = -1, in_w = -1, er, ew
    cdef pid_t pid
    opened = []
    try:
        if pipe2(out_p, O_CLOEXEC) != 0:
            raise OSError(errno, strerror(errno).decode())
        opened += [out_p[0], out_p[1]]
        if pipe2(err_p, O_CLOEXEC) != 0:
            raise OSError(errno, strerror(errno).decode())
        opened += [err_p[0], err_p[1]]
        if stdin_pipe:
            in_r, in_w = os.pipe()
        else:
            in_r = open(b"/dev/null", O_RDONLY | O_CLOEXEC)
            if in_r < 0:
                raise OSError(errno, strerror(errno).decode(), "/dev/null")
        opened += [in_r] + ([in_w] if in_w >= 0 else [])
        er, ew = _errpipe()
        with nogil:
            pid = codex_spawn(c_exe, args.argv, args.envp, c_cwd, -1, in_r, out_p[1], err_p[1], ew)
        close(ew)
        if pid < 0:
            close(er)
            raise OSError(errno, strerror(errno).decode())
        for fd in (out_p[1], err_p[1], in_r):
            close(fd)
            opened.remove(fd)
        _wait_exec(pid, er, executable, cwd)
    except BaseException:
        for fd in opened:
            close(fd)
        raise
    for fd in (out_p[0], err_p[0]):
        os.set_blocking(fd, False)
    if in_w >= 0:
        os.set_blocking(in_w, False)
    return pid, in_w, out_p[0], err_p[0]

"""The compiled sandbox installer (`codex.sandbox._sandbox_c`, built by cffi from
csrc/sandbox/codex_sandbox.c). C or nothing: there is no pure-Python twin, and every caller that
cannot load it fails closed with `SandboxUnavailable`."""

from __future__ import annotations

import errno
import os

__all__ = ["SandboxUnavailable", "SECCOMP_RESTRICTED", "SECCOMP_VMSOCK", "SECCOMP_PROXY_ROUTED",
           "load", "landlock_abi", "drop_capabilities", "install_seccomp", "export_seccomp", "landlock_restrict"]

SECCOMP_RESTRICTED = 1
SECCOMP_VMSOCK = 2
SECCOMP_PROXY_ROUTED = 3


class SandboxUnavailable(RuntimeError):
    """No sandbox mechanism can be installed here; the command must not run."""


_lib = None


def load():
    """The cffi `lib`, or SandboxUnavailable with the reason."""
    global _lib
    if _lib is None:
        try:
            from codex.sandbox._sandbox_c import lib  # type: ignore[import-not-found]
        except ImportError as exc:
            raise SandboxUnavailable(
                "the native sandbox module codex.sandbox._sandbox_c is not built "
                f"({exc}); it needs cffi, a C compiler and libseccomp-dev at build time"
            ) from None
        _lib = lib
    return _lib


def _check(rc: int, what: str) -> int:
    if rc < 0:
        code = -rc
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return rc


def landlock_abi() -> int:
    """The running kernel's Landlock ABI version (0 when unavailable)."""
    rc = load().codex_sbx_landlock_abi()
    return rc if rc > 0 else 0


def install_seccomp(mode: int) -> None:
    """Set no_new_privs and load the seccomp filter into this process."""
    _check(load().codex_sbx_install_seccomp(mode), "installing the seccomp filter")


def export_seccomp(mode: int, fd: int) -> None:
    """Write the filter as a classic BPF program to `fd` (for `bwrap --seccomp FD`)."""
    _check(load().codex_sbx_export_seccomp(mode, fd), "exporting the seccomp filter")


def drop_capabilities() -> None:
    """Drop every capability of this process (bounding set included)."""
    _check(load().codex_sbx_drop_capabilities(), "dropping capabilities")


def landlock_restrict(writable_roots: list[str]) -> int:
    """Restrict this process with Landlock: read everywhere, write below `writable_roots` and
    /dev/null. Returns the ABI used. Raises SandboxUnavailable without Landlock."""
    from codex.sandbox._sandbox_c import ffi  # type: ignore[import-not-found]

    lib = load()
    keep = [ffi.new("char[]", os.fsencode(p)) for p in writable_roots]
    arr = ffi.new("const char *[]", keep + [ffi.NULL])
    rc = lib.codex_sbx_landlock_restrict(arr, len(keep))
    if rc in (-errno.ENOSYS, -errno.EOPNOTSUPP):
        raise SandboxUnavailable("Landlock is not available in this kernel (or disabled at boot)")
    return _check(rc, "installing the Landlock ruleset")

"""cffi (API mode) builder of `codex.sandbox._sandbox_c` from csrc/sandbox/codex_sandbox.c.

Needs cffi, a C compiler and libseccomp's headers (Debian: libseccomp-dev). setup.py adds the
extension when cffi imports; a failed build only warns there, and sandboxed execution then fails
closed (codex/sandbox/native.py). By hand: `python csrc/sandbox/build_sandbox.py` builds it into
src/codex/sandbox/.
"""

from __future__ import annotations

import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

CDEF = """
int codex_sbx_landlock_abi(void);
int codex_sbx_set_no_new_privs(void);
int codex_sbx_landlock_restrict(const char *const *writable, int n);
int codex_sbx_install_seccomp(int mode);
int codex_sbx_export_seccomp(int mode, int fd);
int codex_sbx_drop_capabilities(void);
"""

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "codex.sandbox._sandbox_c",
    '#include "codex_sandbox.c"\n',
    include_dirs=[HERE],
    libraries=["seccomp"],
    depends=[os.path.join(HERE, "codex_sandbox.c")],
)

if __name__ == "__main__":
    import shutil
    import tempfile

    out = os.path.join(HERE, "..", "..", "src", "codex", "sandbox")
    with tempfile.TemporaryDirectory() as tmp:
        so = ffibuilder.compile(tmpdir=tmp, verbose=False)
        shutil.copy(so, os.path.join(out, os.path.basename(so)))
        print(os.path.join(out, os.path.basename(so)))

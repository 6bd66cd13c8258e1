"""Pick the compiled twin of a module, or its pure-Python twin.

Every accelerated module `codex.X.Y` has a pure twin `codex.X.Y_py` and may have a compiled
twin `codex.X._Y_c` (built from `pyx/`). Both expose the same API. The compiled one is used
when it imports, unless `CODEX_NO_EXTENSIONS` is set to a non-empty value other than "0".
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


def extensions_disabled() -> bool:
    return os.environ.get("CODEX_NO_EXTENSIONS", "") not in ("", "0")


def load_twin(compiled: str, pure: str) -> ModuleType:
    """Return the compiled module `compiled` if allowed and importable, else `pure`."""
    if not extensions_disabled():
        try:
            __import__(compiled)
            return sys.modules[compiled]
        except ImportError:
            pass
    __import__(pure)
    return sys.modules[pure]

"""`codex debug models [--bundled]`: print the model catalog as JSON.

The reference refreshes the catalog from the backend only with ChatGPT auth; without it (and
always with `--bundled`) it prints the bundled catalog, which is what we print.
"""

from __future__ import annotations

import sys


def models_cmd(invocation) -> int:
    from codex.model.catalog import bundled_catalog_bytes

    out = sys.stdout.buffer
    try:
        out.write(bundled_catalog_bytes())
        out.flush()
    except BrokenPipeError:
        pass
    return 0

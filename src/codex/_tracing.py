"""stderr log lines in the shape of the reference's `tracing` fmt layer, for the messages the
reference logs at its default level (ERROR): `2026-11-24T01:47:18.207010Z ERROR target: msg`.

Python loggers are named after upstream's targets (e.g. `codex_core::tools::router`)."""
from __future__ import annotations

import datetime as _dt
import logging
import sys

_installed = False


class _TracingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = _dt.datetime.fromtimestamp(record.created, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        level = record.levelname if record.levelname != "WARNING" else "WARN"
        return f"{ts} {level:>5} {record.name}: {record.getMessage()}"


def install(level: int = logging.ERROR) -> None:
    """Send log records at `level` and above to stderr, formatted as the reference formats them."""
    global _installed
    if _installed:
        return
    _installed = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_TracingFormatter())
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)

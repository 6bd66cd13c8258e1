"""serde's wording for an unexpected JSON value (`invalid type: <this>, expected ...`), shared
by every place that reproduces serde_json's deserialization errors."""
from __future__ import annotations

import json
from typing import Any


def unexpected(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{repr(value) if not value.is_integer() else f'{value:.1f}'}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    if isinstance(value, list):
        return "sequence"
    return "map"

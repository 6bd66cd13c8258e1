"""`codex debug models [--bundled]`: print the model catalog as JSON.

As 0.136.0: the command loads the config first (its errors are printed as `codex features`
prints them, exit 1). `--bundled` prints the catalog shipped with the binary. Without it the
reference would refresh the catalog from the backend, which it only does with ChatGPT auth; we
print `model_catalog_json` when the config names one (re-encoded compactly, keys in catalog
order), else the bundled catalog.
"""

from __future__ import annotations

import sys

from codex._stdio import err as _err


def _custom_catalog(path: str) -> bytes:
    import json

    import msgspec

    from codex.model.catalog import bundled_models

    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    data, end = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
    if isinstance(data, dict) and "models" not in data:
        raise _SerdeError("missing field `models`", text, end)
    rest = text[end:]
    if rest.strip():
        raise _SerdeError("trailing characters", text, end + len(rest) - len(rest.lstrip()) + 1)
    order: list[str] = []
    for m in bundled_models():
        for k in m:
            if k not in order:
                order.append(k)
    models = []
    for m in data.get("models", []) if isinstance(data, dict) else []:
        if isinstance(m, dict):
            models.append({k: m[k] for k in order if k in m})
    return msgspec.json.encode({"models": models}) + b"\n"


_SERDE_WORDING = {
    "Expecting property name enclosed in double quotes": "key must be a string",
    "Expecting value": "expected value",
    "Extra data": "trailing characters",
    "Expecting ',' delimiter": "expected `,` or `}`",
    "Expecting ':' delimiter": "expected `:`",
    "Unterminated string starting at": "EOF while parsing a string",
}


class _SerdeError(ValueError):
    def __init__(self, msg: str, text: str, pos: int):
        line = text.count("\n", 0, pos - 1) + 1
        col = pos - (text.rfind("\n", 0, pos - 1) + 1)
        super().__init__(f"{msg} at line {line} column {col}")


def _serde_json_error(exc: ValueError) -> str:
    """serde_json's wording for the common json.JSONDecodeError cases (line/column agree)."""
    import json

    if isinstance(exc, json.JSONDecodeError):
        msg = _SERDE_WORDING.get(exc.msg, exc.msg)
        return f"{msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def models_cmd(invocation) -> int:
    from codex.config.errors import ConfigError
    from codex.config.features_cmd import preflight
    from codex.config.loader import load_config_for
    from codex.config.overrides import OverrideError
    from codex.model.catalog import bundled_catalog_bytes

    code = preflight(invocation, "debug")
    if code is not None:
        return code
    try:
        config = load_config_for(invocation)
    except OverrideError as exc:
        _err(f"Error: {exc}\n")
        return 1
    except ConfigError as exc:
        _err(exc.render())
        return 1
    data = bundled_catalog_bytes()
    custom = config.raw.get("model_catalog_json")
    if custom and not invocation.values.get("bundled"):
        try:
            custom_data = _custom_catalog(str(custom))
        except OSError as exc:
            _err(f"Error: {exc.strerror} (os error {exc.errno})\n")
            return 1
        except ValueError as exc:
            _err(f"Error: failed to parse model_catalog_json path `{custom}` as JSON: {_serde_json_error(exc)}\n")
            return 1
        data = custom_data
    out = sys.stdout.buffer
    try:
        out.write(data)
        out.flush()
    except BrokenPipeError:
        pass
    return 0

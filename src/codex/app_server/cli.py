"""``codex app-server`` (serve), ``codex app-server generate-json-schema`` and
``codex app-server generate-ts``. Imported only when one of them runs."""

from __future__ import annotations

import sys

from codex._stdio import err as _err


def serve_cmd(invocation) -> int:
    import asyncio

    from codex.config.errors import ConfigError
    from codex.config.features import UnknownFeatureError, toggle_overrides
    from codex.config.overrides import OverrideError

    from .server import AppServer
    from .transport import run

    values = invocation.values
    try:
        toggle_overrides(values.get("enable"), values.get("disable"))
    except UnknownFeatureError as exc:
        _err(f"Error: {exc}\n")
        return 1
    listen = "stdio://" if values.get("stdio") else (values.get("listen") or "stdio://")
    server = AppServer(
        cli_overrides=invocation.config_overrides,
        enable=values.get("enable") or (),
        disable=values.get("disable") or (),
        strict_config=bool(invocation.level_value("strict_config")),
    )
    try:
        server.config()
    except OverrideError as exc:
        _err(f"Error: {exc}\n")
        return 1
    except ConfigError as exc:
        _err(exc.render())
        return 1
    try:
        asyncio.run(run(server, listen))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        _err(f"Error: {exc}\n")
        return 1
    return 0


def generate_json_schema_cmd(invocation) -> int:
    from .schema_gen import write_json_schema

    write_json_schema(invocation.values["out"], experimental=bool(invocation.values.get("experimental")))
    return 0


def generate_ts_cmd(invocation) -> int:
    from .schema_gen import write_typescript

    write_typescript(invocation.values["out"], experimental=bool(invocation.values.get("experimental")),
                     prettier=invocation.values.get("prettier"))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)

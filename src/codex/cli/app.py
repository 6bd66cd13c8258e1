"""The `codex` command line: the declarative spec, parsed and rendered the way the reference's
clap does it, dispatched to lazily imported handlers.

`run(argv)`:

1. parses `argv` with `codex.cli.clap` against `codex.cli.spec.root()`. Help, version and usage
   errors are rendered right there, byte for byte as the reference prints them;
2. fails on an unknown `--enable/--disable` feature, then validates the enum-typed `-c key=value`
   overrides (`codex.config.overrides`) with the wording of the command that would load the config;
3. hands an `Invocation` to the handler registered for the command path in `HANDLERS`; a path
   without a handler answers `codex: ... is not available in this build yet` (exit code 2).

Why not click: byte-identical clap output needs clap's parser (options with several values,
comma-split values, everything after the first positional passed through, required groups, the
context its suggestions need), which click's parser cannot express; with the clap port doing the
parsing, a click layer only dispatched, and importing click cost about 27 ms on every command.
"""

from __future__ import annotations

import sys

from codex._stdio import write as _write
from codex.cli import clap, spec

__all__ = ["HANDLERS", "Invocation", "dispatch", "run", "run_linux_sandbox"]

# Command path (canonical subcommand names; `()` is `codex` itself, i.e. the interactive TUI) ->
# "package.module:function". The function receives an `Invocation` and returns the exit code.
# Modules are imported only when their command runs. Paths without an entry are not available yet.
HANDLERS: dict[tuple[str, ...], str] = {
    ("features", "list"): "codex.config.features_cmd:list_cmd",
    ("features", "enable"): "codex.config.features_cmd:enable_cmd",
    ("features", "disable"): "codex.config.features_cmd:disable_cmd",
    ("execpolicy", "check"): "codex.execpolicy.execpolicycheck:main",
    ("sandbox",): "codex.sandbox.cli:run_sandbox",
    ("login",): "codex.auth.cli:login_cmd",
    ("login", "status"): "codex.auth.cli:login_status_cmd",
    ("logout",): "codex.auth.cli:logout_cmd",
    ("codex-linux-sandbox",): "codex.sandbox.cli:run_linux_sandbox",
    ("archive",): "codex.rollout.cli:archive_cmd",
    ("unarchive",): "codex.rollout.cli:unarchive_cmd",
    ("debug", "models"): "codex.model.debug_cmd:models_cmd",
    ("mcp", "list"): "codex.mcp.commands:list_cmd",
    ("mcp", "get"): "codex.mcp.commands:get_cmd",
    ("mcp", "add"): "codex.mcp.commands:add_cmd",
    ("mcp", "remove"): "codex.mcp.commands:remove_cmd",
    ("mcp", "login"): "codex.mcp.commands:login_cmd",
    ("mcp", "logout"): "codex.mcp.commands:logout_cmd",
    ("exec",): "codex.exec.cli:exec_cmd",
    ("exec", "resume"): "codex.exec.cli:exec_cmd",
    ("exec", "review"): "codex.exec.cli:exec_cmd",
    ("app-server",): "codex.app_server.cli:serve_cmd",
    ("app-server", "generate-json-schema"): "codex.app_server.cli:generate_json_schema_cmd",
    ("app-server", "generate-ts"): "codex.app_server.cli:generate_ts_cmd",
    ("app-server", "proxy"): "codex.app_server.cli:proxy_cmd",
    ("mcp-server",): "codex.mcp_server.cli:mcp_server_cmd",
    ("app-server", "daemon", "start"): "codex.app_server.daemon:lifecycle_cmd",
    ("app-server", "daemon", "stop"): "codex.app_server.daemon:lifecycle_cmd",
    ("app-server", "daemon", "restart"): "codex.app_server.daemon:lifecycle_cmd",
    ("app-server", "daemon", "version"): "codex.app_server.daemon:lifecycle_cmd",
    ("app-server", "daemon", "bootstrap"): "codex.app_server.daemon:bootstrap_cmd",
    ("app-server", "daemon", "enable-remote-control"): "codex.app_server.daemon:remote_control_mode_cmd",
    ("app-server", "daemon", "disable-remote-control"): "codex.app_server.daemon:remote_control_mode_cmd",
    ("app-server", "daemon", "pid-update-loop"): "codex.app_server.daemon:pid_update_loop_cmd",
    ("remote-control",): "codex.app_server.remote_control:foreground_cmd",
    ("remote-control", "start"): "codex.app_server.remote_control:start_cmd",
    ("remote-control", "stop"): "codex.app_server.remote_control:stop_cmd",
    ("debug", "app-server", "send-message-v2"): "codex.app_server.send_message:send_message_v2_cmd",
}

LINUX_SANDBOX_PATH = ("codex-linux-sandbox",)


class Invocation:
    """What a handler receives once the command line parsed.

    - `path`: the command path, e.g. `("exec", "resume")`; `()` for `codex` itself.
    - `values`: the invoked command's arguments by id (clap's field names: `model`, `image`,
      `config`, `prompt`...), defaults filled in, global args included. Flags are bools,
      repeatable/multi-valued args lists, other args a string (or the parsed type) or None.
    - `explicit`: the ids given on the command line (as opposed to defaults).
    - `levels`: `(path, values)` for every command from the root to the invoked one (e.g. the
      top-level interactive options when `codex resume` runs).
    - `config_overrides`: the raw `-c key=value` strings.
    - `argv`: the arguments as given (without the program name).
    """

    __slots__ = ("path", "values", "explicit", "levels", "argv")

    def __init__(self, path, values, explicit, levels, argv):
        self.path = path
        self.values = values
        self.explicit = explicit
        self.levels = levels
        self.argv = argv

    @property
    def config_overrides(self) -> list[str]:
        return list(self.values.get("config") or [])

    def level_value(self, key: str):
        """The first truthy value of `key` from the root level down (e.g. the top-level
        `--profile` or `--strict-config` when a subcommand runs), or None."""
        for _path, values in self.levels:
            value = values.get(key)
            if value:
                return value
        return None

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Invocation(path={self.path!r}, values={self.values!r})"


def command_title(path: tuple[str, ...]) -> str:
    if path == LINUX_SANDBOX_PATH:
        return "codex-linux-sandbox"
    return " ".join(("codex",) + path)


def _invocation(matches: clap.Matches, argv: list[str]) -> Invocation:
    levels = []
    path: tuple[str, ...] = ()
    m = matches
    while True:
        levels.append((path, m.values()))
        if m.subcommand is None:
            break
        path = path + (m.subcommand[0],)
        m = m.subcommand[1]
    leaf = levels[-1]
    return Invocation(leaf[0], leaf[1], frozenset(m.explicit_ids()), tuple(levels), list(argv))


def dispatch(invocation: Invocation, path: tuple[str, ...] | None = None) -> int:
    """Run the handler registered for the invocation's command path."""
    from codex.cli.arg0 import not_available

    path = invocation.path if path is None else path
    target = HANDLERS.get(path)
    if target is None:
        return not_available(f"`{command_title(path)}`")
    module_name, _, func_name = target.partition(":")
    import importlib

    handler = getattr(importlib.import_module(module_name), func_name)
    code = handler(invocation)
    return 0 if code is None else int(code)


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------




def _report_clap_error(err: clap.ClapError) -> int:
    _write(sys.stderr if err.use_stderr else sys.stdout, err.render())
    return err.exit_code


# --------------------------------------------------------------------------------------------
# `-c` validation before dispatch
# --------------------------------------------------------------------------------------------

# How each command reports a config value it cannot load (probed on the reference), by command
# path prefix; the longest matching prefix wins. `{message}` is serde's message (it ends with a
# newline), `{caused}` the same indented under anyhow's "Caused by:". `None`: the command does not
# load the config before doing its work.
_TUI = "Error loading config.toml: {message}\n"
_LOAD = "Error: failed to load configuration\n\nCaused by:\n{caused}"
_CONFIG_ERROR_STYLE: dict[tuple[str, ...], str | None] = {
    (): _TUI,
    ("exec",): _TUI,
    ("review",): _TUI,
    ("resume",): _TUI,
    ("fork",): _TUI,
    ("login",): None,  # the login handlers load the config themselves (after reading stdin)
    ("logout",): "Error loading configuration: {message}\n",
    ("mcp",): _LOAD,
    ("plugin",): _LOAD,
    ("mcp-server",): "Error: error loading config: {message}\n",
    ("archive",): "Error: failed to load config.toml\n",
    ("unarchive",): "Error: failed to load config.toml\n",
    ("completion",): None,
    ("features", "enable"): None,
    ("features", "disable"): None,
    ("remote-control",): None,
    ("update",): None,
    ("exec-server",): None,
    ("app-server",): None,
    ("execpolicy",): None,
    ("cloud",): None,
    ("doctor",): None,
    ("responses-api-proxy",): None,
    ("stdio-to-uds",): None,
    ("debug", "app-server"): None,
    ("debug", "trace-reduce"): None,
    LINUX_SANDBOX_PATH: None,
}
_DEFAULT_CONFIG_ERROR_STYLE = "Error: {message}\n"


def _config_error_style(path: tuple[str, ...]) -> str | None:
    if not path:
        return _CONFIG_ERROR_STYLE[()]
    for n in range(len(path), 0, -1):
        if path[:n] in _CONFIG_ERROR_STYLE:
            return _CONFIG_ERROR_STYLE[path[:n]]
    return _DEFAULT_CONFIG_ERROR_STYLE


def check_config_overrides(invocation: Invocation) -> int | None:
    """Validate the `-c` overrides the way the invoked command's config loading would; print the
    reference's message and return 1 on a bad one, else None."""
    raw = invocation.config_overrides
    enable, disable = invocation.values.get("enable"), invocation.values.get("disable")
    if not (raw or enable or disable):
        return None
    if enable or disable:
        # Like the reference: unknown `--enable/--disable` keys fail every command, before `-c`
        # is looked at.
        from codex.config import features

        try:
            features.toggle_overrides(enable, disable)
        except features.UnknownFeatureError as exc:
            _write(sys.stderr, f"Error: {exc}\n")
            return 1
    style = _config_error_style(invocation.path)
    if style is None or not raw:
        return None
    from codex.config import overrides

    try:
        overrides.validate_enum_overrides(overrides.parse_overrides(raw))
    except overrides.OverrideError as exc:
        _write(sys.stderr, f"Error: {exc}\n")
        return 1
    except overrides.ConfigValueError as exc:
        message = str(exc)
        caused = "\n".join("    " + line for line in message.split("\n")) + "\n"
        _write(sys.stderr, style.format(message=message, caused=caused))
        return 1
    return None


def _invoke(root: clap.Command, argv: list[str]) -> int:
    try:
        matches = clap.parse(root, argv)
    except clap.ClapError as err:
        return _report_clap_error(err)
    invocation = _invocation(matches, argv)
    if root.name == "codex-linux-sandbox":
        invocation.path = LINUX_SANDBOX_PATH
    code = check_config_overrides(invocation)
    if code is not None:
        return code
    return dispatch(invocation)


def run(argv: list[str]) -> int:
    """Run `codex` with `argv` (without the program name); returns the exit code."""
    return _invoke(spec.root(), list(argv))


def run_linux_sandbox(argv: list[str]) -> int:
    """Run the `codex-linux-sandbox` helper's command line; returns the exit code."""
    return _invoke(spec.linux_sandbox(), list(argv))

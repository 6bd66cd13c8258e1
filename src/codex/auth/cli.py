"""`codex login`, `codex login status`, `codex logout` (codex-rs/cli/src/login.rs): the
reference's messages (all on stderr, except the device-code prompt on stdout) and exit codes."""

from __future__ import annotations

import os
import sys

from codex._stdio import err as _err, out as _out

__all__ = ["login_cmd", "login_status_cmd", "logout_cmd"]

CHATGPT_LOGIN_DISABLED = "ChatGPT login is disabled. Use API key login instead."
API_KEY_LOGIN_DISABLED = "API key login is disabled. Use ChatGPT login instead."
ACCESS_TOKEN_LOGIN_DISABLED = "Access token login is disabled. Use API key login instead."
LOGIN_SUCCESS = "Successfully logged in"
API_KEY_FLAG_REMOVED = ("The --api-key flag is no longer supported. Pipe the key instead, e.g. "
                        "`printenv OPENAI_API_KEY | codex login --with-api-key`.")


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


def _fail(message: str) -> "_Exit":
    _err(message + "\n")
    return _Exit(1)


def _preflight(invocation, command: str):
    from codex.config.features_cmd import preflight

    code = preflight(invocation, command)
    if code is not None:
        raise _Exit(code)


def _load_config(invocation):
    from codex.config.errors import ConfigError
    from codex.config.loader import load_config_for
    from codex.config.overrides import OverrideError

    try:
        return load_config_for(invocation)
    except OverrideError as exc:
        raise _fail(f"Error parsing -c overrides: {exc}") from None
    except ConfigError as exc:
        raise _fail(f"Error loading configuration: {exc}") from None


def _store_mode(config) -> str:
    mode = config.get("cli_auth_credentials_store")
    return mode if mode in ("file", "keyring", "auto", "ephemeral") else "file"


def _workspaces(config):
    value = config.get("forced_chatgpt_workspace_id")
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _init_login_log(config, flow: str) -> None:
    """The reference appends to `<log_dir>/codex-login.log` (0600) for every login flow:
    `<time>  INFO codex_cli::login: starting <flow> login flow` (never a secret)."""
    import datetime

    log_dir = config.get("log_dir") or os.path.join(config.codex_home, "log")
    try:
        os.makedirs(log_dir, exist_ok=True)
        fd = os.open(os.path.join(log_dir, "codex-login.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            os.write(fd, f"{now}  INFO codex_cli::login: starting {flow} login flow\n".encode())
        finally:
            os.close(fd)
    except OSError as exc:
        _err(f"Warning: failed to open login log file {os.path.join(log_dir, 'codex-login.log')}: {exc}\n")


def _read_stdin_secret(terminal_message: str, reading_message: str, empty_message: str) -> str:
    stdin = sys.stdin
    try:
        is_tty = stdin is not None and stdin.isatty()
    except (ValueError, OSError):
        is_tty = False
    if is_tty:
        raise _fail(terminal_message)
    _err(reading_message + "\n")
    try:
        data = stdin.buffer.read() if stdin is not None and hasattr(stdin, "buffer") else (stdin.read() if stdin else "")
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise _fail("Failed to read stdin: stream did not contain valid UTF-8") from None
    except OSError as exc:
        raise _fail(f"Failed to read stdin: {exc}") from None
    secret = text.strip()
    if not secret:
        raise _fail(empty_message)
    return secret


def _run(fn, invocation) -> int:
    try:
        fn(invocation)
    except _Exit as exc:
        return exc.code
    return 0


# --------------------------------------------------------------------------------------------
# codex login
# --------------------------------------------------------------------------------------------


def login_cmd(invocation) -> int:
    return _run(_login, invocation)


def _login(invocation) -> None:
    v = invocation.values
    _preflight(invocation, "login")
    if v.get("with_api_key") and v.get("with_access_token"):
        raise _fail("Choose one login credential source: --with-api-key or --with-access-token.")
    if v.get("device_auth"):
        return _login_device(invocation)
    if v.get("api_key") is not None:
        raise _fail(API_KEY_FLAG_REMOVED)
    if v.get("with_api_key"):
        key = _read_stdin_secret(
            "--with-api-key expects the API key on stdin. Try piping it, e.g. "
            "`printenv OPENAI_API_KEY | codex login --with-api-key`.",
            "Reading API key from stdin...", "No API key provided via stdin.")
        return _login_api_key(invocation, key)
    if v.get("with_access_token"):
        token = _read_stdin_secret(
            "--with-access-token expects the access token on stdin. Try piping it, e.g. "
            "`printenv CODEX_ACCESS_TOKEN | codex login --with-access-token`.",
            "Reading access token from stdin...", "No access token provided via stdin.")
        return _login_access_token(invocation, token)
    return _login_browser(invocation)


def _login_api_key(invocation, key: str) -> None:
    from codex.auth.manager import login_with_api_key

    config = _load_config(invocation)
    _init_login_log(config, "api key")
    if config.get("forced_login_method") == "chatgpt":
        raise _fail(API_KEY_LOGIN_DISABLED)
    try:
        login_with_api_key(config.codex_home, key, _store_mode(config))
    except OSError as exc:
        raise _fail(f"Error logging in: {_os_error_text(exc)}") from None
    _err(LOGIN_SUCCESS + "\n")


def _login_access_token(invocation, token: str) -> None:
    config = _load_config(invocation)
    _init_login_log(config, "access token")
    if config.get("forced_login_method") == "api":
        raise _fail(ACCESS_TOKEN_LOGIN_DISABLED)
    from codex.auth.manager import check_agent_identity_jwt

    try:
        check_agent_identity_jwt(token)
    except OSError as exc:
        raise _fail(f"Error logging in with access token: {exc}") from None


def _login_device(invocation) -> None:
    from codex.auth.oauth import DEFAULT_ISSUER, LoginError, ServerOptions, run_device_code_login
    from codex.auth.manager import CLIENT_ID

    config = _load_config(invocation)
    _init_login_log(config, "device code")
    if config.get("forced_login_method") == "api":
        raise _fail(CHATGPT_LOGIN_DISABLED)
    opts = ServerOptions(config.codex_home, invocation.values.get("experimental_client_id") or CLIENT_ID,
                         _workspaces(config), _store_mode(config),
                         issuer=invocation.values.get("experimental_issuer") or DEFAULT_ISSUER)
    try:
        run_device_code_login(opts, out=_out)
    except (LoginError, OSError) as exc:
        raise _fail(f"Error logging in with device code: {_os_error_text(exc)}") from None
    _err(LOGIN_SUCCESS + "\n")


def _login_browser(invocation) -> None:
    from codex.auth.oauth import LoginError, ServerOptions, run_login_server
    from codex.auth.manager import CLIENT_ID

    config = _load_config(invocation)
    _init_login_log(config, "browser")
    if config.get("forced_login_method") == "api":
        raise _fail(CHATGPT_LOGIN_DISABLED)
    port = os.environ.get("CODEX_LOGIN_SERVER_PORT")  # test hook: never 1455 in the test suite
    opts = ServerOptions(config.codex_home, CLIENT_ID, _workspaces(config), _store_mode(config),
                         port=int(port) if port and port.isdigit() else 1455,
                         open_browser=os.environ.get("CODEX_LOGIN_NO_BROWSER") != "1")
    try:
        server = run_login_server(opts, err=_err)
    except (LoginError, OSError) as exc:
        raise _fail(f"Error logging in: {_os_error_text(exc)}") from None
    _err(f"Starting local login server on http://localhost:{server.actual_port}.\nIf your browser did not open, "
         f"navigate to this URL to authenticate:\n\n{server.auth_url}\n\nOn a remote or headless machine? Use "
         f"`codex login --device-auth` instead.\n")
    try:
        server.block_until_done()
    except KeyboardInterrupt:
        server.cancel()
        raise _Exit(130) from None
    except (LoginError, OSError) as exc:
        raise _fail(f"Error logging in: {_os_error_text(exc)}") from None
    _err(LOGIN_SUCCESS + "\n")


def _os_error_text(exc: BaseException) -> str:
    """How Rust prints an io::Error: the message (std's own wording for OS errors)."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        return f"{exc.strerror} (os error {exc.errno})"
    return str(exc)


# --------------------------------------------------------------------------------------------
# codex login status / codex logout
# --------------------------------------------------------------------------------------------


def login_status_cmd(invocation) -> int:
    return _run(_status, invocation)


def _status(invocation) -> None:
    from codex.auth.manager import load_auth, safe_format_key

    _preflight(invocation, "login")
    config = _load_config(invocation)
    try:
        auth = load_auth(config.codex_home, False, _store_mode(config))
    except (OSError, ValueError) as exc:
        raise _fail(f"Error checking login status: {_os_error_text(exc)}") from None
    if auth is None:
        raise _fail("Not logged in")
    if auth.mode == "apikey":
        _err(f"Logged in using an API key - {safe_format_key(auth.api_key)}\n")
        return
    _err("Logged in using ChatGPT\n")


def logout_cmd(invocation) -> int:
    return _run(_logout, invocation)


def _logout(invocation) -> None:
    import asyncio

    from codex.auth.manager import logout_with_revoke

    _preflight(invocation, "logout")
    config = _load_config(invocation)
    try:
        removed = asyncio.run(logout_with_revoke(config.codex_home, _store_mode(config)))
    except OSError as exc:
        raise _fail(f"Error logging out: {_os_error_text(exc)}") from None
    _err("Successfully logged out\n" if removed else "Not logged in\n")

"""Model providers (codex-rs/model-provider-info): the built-in ones, `[model_providers.NAME]`
from config.toml, and what a provider contributes to a request (URL, headers, retry settings,
API key).

* `built_in_model_providers(openai_base_url)`: `openai` (name "OpenAI", `version` header,
  `OpenAI-Organization`/`OpenAI-Project` from the environment, requires OpenAI auth),
  `amazon-bedrock`, and the local "oss" providers `ollama` (port 11434) and `lmstudio` (port
  1234), whose URL honours `CODEX_OSS_BASE_URL` / `CODEX_OSS_PORT`.
* `ModelProviderInfo.from_toml(table)`: one `[model_providers.NAME]` table (`wire_api = "chat"`
  is rejected with upstream's message); `validate()` as upstream.
* `resolve_providers(config_raw)` merges the built-ins and the configured ones (a configured id
  that names a built-in is an error); `provider_for(config_raw)` picks `model_provider`.
* Retry settings: `request_max_retries` (default 4), `stream_max_retries` (default 5), both
  capped at 100; `stream_idle_timeout_ms` (default 300000).

`AuthProvider` is the small protocol the client takes for credentials (`async headers()`);
`EnvKeyAuth` reads `env_key` as upstream does (`Missing environment variable: ...`), `BearerAuth`
wraps a fixed token. Logins (auth.json, ChatGPT tokens) live in `codex.auth`, which provides
objects with the same `headers()` coroutine.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Protocol, runtime_checkable

__all__ = [
    "AuthProvider", "BearerAuth", "EnvKeyAuth", "EnvVarError", "ModelProviderInfo", "NoAuth",
    "ProviderError", "built_in_model_providers", "provider_for", "resolve_providers",
    "CHAT_WIRE_API_REMOVED_ERROR", "OLLAMA_CHAT_PROVIDER_REMOVED_ERROR",
    "DEFAULT_REQUEST_MAX_RETRIES", "DEFAULT_STREAM_MAX_RETRIES", "DEFAULT_STREAM_IDLE_TIMEOUT_MS",
]

DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000
DEFAULT_STREAM_MAX_RETRIES = 5
DEFAULT_REQUEST_MAX_RETRIES = 4
DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS = 15_000
MAX_STREAM_MAX_RETRIES = 100
MAX_REQUEST_MAX_RETRIES = 100

OPENAI_PROVIDER_NAME = "OpenAI"
OPENAI_PROVIDER_ID = "openai"
AMAZON_BEDROCK_PROVIDER_NAME = "Amazon Bedrock"
AMAZON_BEDROCK_PROVIDER_ID = "amazon-bedrock"
AMAZON_BEDROCK_DEFAULT_BASE_URL = "https://bedrock-mantle.us-east-1.api.aws/v1"
LMSTUDIO_OSS_PROVIDER_ID = "lmstudio"
OLLAMA_OSS_PROVIDER_ID = "ollama"
DEFAULT_LMSTUDIO_PORT = 1234
DEFAULT_OLLAMA_PORT = 11434
OPENAI_API_BASE_URL = "https://api.openai.com/v1"
CHATGPT_BASE_URL = "https://chatgpt.com/backend-api/codex"
CLI_VERSION = "0.136.0"

CHAT_WIRE_API_REMOVED_ERROR = (
    '`wire_api = "chat"` is no longer supported.\nHow to fix: set `wire_api = "responses"` in your '
    "provider config.\nMore info: https://github.com/openai/codex/discussions/7782"
)
LEGACY_OLLAMA_CHAT_PROVIDER_ID = "ollama-chat"
OLLAMA_CHAT_PROVIDER_REMOVED_ERROR = (
    "`ollama-chat` is no longer supported.\nHow to fix: replace `ollama-chat` with `ollama` in "
    "`model_provider`, `oss_provider`, or `--local-provider`.\n"
    "More info: https://github.com/openai/codex/discussions/7782"
)

_FIELDS = (
    "name", "base_url", "env_key", "env_key_instructions", "experimental_bearer_token", "auth", "aws",
    "wire_api", "query_params", "http_headers", "env_http_headers", "request_max_retries",
    "stream_max_retries", "stream_idle_timeout_ms", "websocket_connect_timeout_ms",
    "requires_openai_auth", "supports_websockets",
)


class ProviderError(ValueError):
    """A provider definition or selection that upstream rejects; str() is its message."""


from codex.model.errors import ModelError as _ModelError  # noqa: E402  (no further imports)


class EnvVarError(ProviderError, _ModelError):
    """`env_key` names a variable that is unset or blank (CodexErr::EnvVar). Raised when the
    request is made, it fails the turn (not retried), as in the reference."""

    def __init__(self, var: str, instructions: str | None = None):
        self.var = var
        self.instructions = instructions
        msg = f"Missing environment variable: `{var}`."
        if instructions:
            msg += f" {instructions}"
        super().__init__(msg)


class ModelProviderInfo:
    """One provider definition (upstream's serde struct; unset options are None)."""

    __slots__ = _FIELDS

    def __init__(self, **kw: Any):
        for f in _FIELDS:
            setattr(self, f, kw.pop(f, None))
        if kw:
            raise TypeError(f"unknown provider fields: {sorted(kw)}")
        if self.name is None:
            self.name = ""
        if self.wire_api is None:
            self.wire_api = "responses"
        self.requires_openai_auth = bool(self.requires_openai_auth)
        self.supports_websockets = bool(self.supports_websockets)

    # -- construction

    @classmethod
    def from_toml(cls, table: Mapping[str, Any]) -> "ModelProviderInfo":
        wire = table.get("wire_api", "responses")
        if wire == "chat":
            raise ProviderError(CHAT_WIRE_API_REMOVED_ERROR)
        if wire != "responses":
            raise ProviderError(f"unknown variant `{wire}`, expected `responses`")
        return cls(**{k: table[k] for k in _FIELDS if k in table})

    def to_dict(self) -> dict:
        return {f: getattr(self, f) for f in _FIELDS}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelProviderInfo) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"ModelProviderInfo(name={self.name!r}, base_url={self.base_url!r})"

    # -- checks

    def validate(self) -> None:
        if self.aws is not None:
            if self.supports_websockets:
                raise ProviderError("provider aws cannot be combined with supports_websockets")
            conflicts = [n for n, on in (("env_key", self.env_key is not None),
                                         ("experimental_bearer_token", self.experimental_bearer_token is not None),
                                         ("auth", self.auth is not None),
                                         ("requires_openai_auth", self.requires_openai_auth)) if on]
            if conflicts:
                raise ProviderError(f"provider aws cannot be combined with {', '.join(conflicts)}")
        if self.auth is None:
            return
        if not str((self.auth or {}).get("command", "")).strip():
            raise ProviderError("provider auth.command must not be empty")
        conflicts = [n for n, on in (("env_key", self.env_key is not None),
                                     ("experimental_bearer_token", self.experimental_bearer_token is not None),
                                     ("requires_openai_auth", self.requires_openai_auth)) if on]
        if conflicts:
            raise ProviderError(f"provider auth cannot be combined with {', '.join(conflicts)}")

    # -- effective values

    def effective_request_max_retries(self) -> int:
        v = DEFAULT_REQUEST_MAX_RETRIES if self.request_max_retries is None else int(self.request_max_retries)
        return min(v, MAX_REQUEST_MAX_RETRIES)

    def effective_stream_max_retries(self) -> int:
        v = DEFAULT_STREAM_MAX_RETRIES if self.stream_max_retries is None else int(self.stream_max_retries)
        return min(v, MAX_STREAM_MAX_RETRIES)

    def stream_idle_timeout(self) -> float:
        """Seconds."""
        ms = DEFAULT_STREAM_IDLE_TIMEOUT_MS if self.stream_idle_timeout_ms is None else int(self.stream_idle_timeout_ms)
        return ms / 1000.0

    def is_openai(self) -> bool:
        return self.name == OPENAI_PROVIDER_NAME

    def effective_base_url(self, chatgpt_auth: bool = False) -> str:
        if self.base_url:
            return self.base_url
        return CHATGPT_BASE_URL if chatgpt_auth else OPENAI_API_BASE_URL

    def url_for(self, path: str, chatgpt_auth: bool = False) -> str:
        """`{base_url}/{path}` plus `query_params` (upstream's Provider::url_for_path)."""
        base = self.effective_base_url(chatgpt_auth).rstrip("/")
        url = f"{base}/{path.lstrip('/')}" if path else base
        if self.query_params:
            from urllib.parse import urlencode

            url += ("&" if "?" in url else "?") + urlencode(list(self.query_params.items()))
        return url

    def extra_headers(self, environ: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
        """`http_headers`, then `env_http_headers` whose variable is set and not blank."""
        env = os.environ if environ is None else environ
        out: dict[str, str] = {}
        for k, v in (self.http_headers or {}).items():
            if _valid_header(k, v):
                out[k.lower()] = v
        for k, var in (self.env_http_headers or {}).items():
            val = env.get(var)
            if val is not None and val.strip() and _valid_header(k, val):
                out[k.lower()] = val
        return list(out.items())

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        if self.env_key is None:
            return None
        env = os.environ if environ is None else environ
        val = env.get(self.env_key)
        if val is None or not val.strip():
            raise EnvVarError(self.env_key, self.env_key_instructions)
        return val


def _valid_header(name: str, value: str) -> bool:
    if not name or any(c in name for c in " \t\r\n:()<>@,;\\\"/[]?={}") or not name.isascii():
        return False
    return not any(c in value for c in "\r\n\0")


def create_openai_provider(base_url: str | None = None) -> ModelProviderInfo:
    return ModelProviderInfo(
        name=OPENAI_PROVIDER_NAME, base_url=base_url, wire_api="responses",
        http_headers={"version": CLI_VERSION},
        env_http_headers={"OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT"},
        requires_openai_auth=True, supports_websockets=True,
    )


def create_amazon_bedrock_provider(aws: dict | None = None) -> ModelProviderInfo:
    return ModelProviderInfo(name=AMAZON_BEDROCK_PROVIDER_NAME, base_url=AMAZON_BEDROCK_DEFAULT_BASE_URL,
                             aws=aws if aws is not None else {"profile": None}, wire_api="responses")


def create_oss_provider(default_port: int, environ: Mapping[str, str] | None = None) -> ModelProviderInfo:
    env = os.environ if environ is None else environ
    port = default_port
    raw = (env.get("CODEX_OSS_PORT") or "").strip()
    if raw:
        try:
            p = int(raw, 10)
            if 0 <= p <= 65535 and raw.lstrip("+").isdigit():
                port = p
        except ValueError:
            pass
    base = env.get("CODEX_OSS_BASE_URL")
    if base is None or not base.strip():
        base = f"http://localhost:{port}/v1"
    return ModelProviderInfo(name="gpt-oss", base_url=base, wire_api="responses")


def built_in_model_providers(openai_base_url: str | None = None,
                             environ: Mapping[str, str] | None = None) -> dict[str, ModelProviderInfo]:
    return {
        OPENAI_PROVIDER_ID: create_openai_provider(openai_base_url),
        AMAZON_BEDROCK_PROVIDER_ID: create_amazon_bedrock_provider(),
        OLLAMA_OSS_PROVIDER_ID: create_oss_provider(DEFAULT_OLLAMA_PORT, environ),
        LMSTUDIO_OSS_PROVIDER_ID: create_oss_provider(DEFAULT_LMSTUDIO_PORT, environ),
    }


def resolve_providers(config_raw: Mapping[str, Any],
                      environ: Mapping[str, str] | None = None) -> dict[str, ModelProviderInfo]:
    """Built-ins plus `[model_providers.*]`. `openai_base_url` (config) or `OPENAI_BASE_URL`
    (environment, non-blank) moves the openai provider."""
    env = os.environ if environ is None else environ
    base = config_raw.get("openai_base_url")
    if base is None:
        v = env.get("OPENAI_BASE_URL")
        base = v if v and v.strip() else None
    providers = built_in_model_providers(base, env)
    configured = config_raw.get("model_providers") or {}
    reserved = [k for k in configured if k in providers and k != AMAZON_BEDROCK_PROVIDER_ID]
    if reserved:
        ids = ", ".join(f"`{k}`" for k in sorted(reserved))
        raise ProviderError(f"model_providers contains reserved built-in provider IDs: {ids}. Built-in "
                            "providers cannot be overridden. Rename your custom provider (for example, "
                            "`openai-custom`).")
    for key, table in configured.items():
        if key == AMAZON_BEDROCK_PROVIDER_ID:
            # only `aws` may be customised on the built-in Bedrock provider
            providers[key] = create_amazon_bedrock_provider((table or {}).get("aws"))
            continue
        info = ModelProviderInfo.from_toml(table or {})
        info.validate()
        providers[key] = info
    return providers


def provider_for(config_raw: Mapping[str, Any], environ: Mapping[str, str] | None = None,
                 provider_id: str | None = None) -> tuple[str, ModelProviderInfo]:
    """The provider `model_provider` (default "openai") selects."""
    pid = provider_id or config_raw.get("model_provider") or OPENAI_PROVIDER_ID
    if pid == LEGACY_OLLAMA_CHAT_PROVIDER_ID:
        raise ProviderError(OLLAMA_CHAT_PROVIDER_REMOVED_ERROR)
    providers = resolve_providers(config_raw, environ)
    info = providers.get(pid)
    if info is None:
        raise ProviderError(f"Model provider `{pid}` not found")
    return pid, info


# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------


@runtime_checkable
class AuthProvider(Protocol):
    """What the client needs from a credential source: the headers to add to each request
    (normally ``{"authorization": "Bearer <token>"}``; ChatGPT auth adds ``chatgpt-account-id``).
    Called once per HTTP attempt, so a provider may refresh tokens in between."""

    async def headers(self) -> dict[str, str]: ...


class NoAuth:
    async def headers(self) -> dict[str, str]:
        return {}


class BearerAuth:
    """A fixed bearer token (API key, `experimental_bearer_token`)."""

    __slots__ = ("token", "chatgpt")

    def __init__(self, token: str, *, chatgpt: bool = False):
        self.token = token
        self.chatgpt = chatgpt

    async def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


class EnvKeyAuth:
    """The provider's `env_key` variable, read for every request (upstream reads it when the
    request is built); unset or blank raises `EnvVarError` from `headers()`."""

    __slots__ = ("provider", "environ")

    def __init__(self, provider: ModelProviderInfo, environ: Mapping[str, str] | None = None):
        self.provider = provider
        self.environ = environ

    async def headers(self) -> dict[str, str]:
        key = self.provider.api_key(self.environ)
        if key is None:
            key = self.provider.experimental_bearer_token or ""
        return {"authorization": f"Bearer {key}"}

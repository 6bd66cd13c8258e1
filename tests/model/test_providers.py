"""Providers: built-ins, [model_providers.NAME] tables, retry settings, headers, credentials."""
from __future__ import annotations

import asyncio

import pytest

from codex.model import providers as M
from codex.model.providers import ModelProviderInfo, ProviderError


def test_built_ins():
    b = M.built_in_model_providers(environ={})
    assert sorted(b) == ["amazon-bedrock", "lmstudio", "ollama", "openai"]
    o = b["openai"]
    assert o.name == "OpenAI" and o.base_url is None and o.requires_openai_auth and o.is_openai()
    assert o.http_headers == {"version": "0.136.0"}
    assert o.env_http_headers == {"OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT"}
    assert o.effective_base_url() == "https://api.openai.com/v1"
    assert o.effective_base_url(chatgpt_auth=True) == "https://chatgpt.com/backend-api/codex"
    assert b["ollama"].base_url == "http://localhost:11434/v1" and b["ollama"].name == "gpt-oss"
    assert b["lmstudio"].base_url == "http://localhost:1234/v1"
    assert not b["ollama"].requires_openai_auth
    assert b["amazon-bedrock"].base_url == "https://bedrock-mantle.us-east-1.api.aws/v1"


def test_oss_environment():
    b = M.built_in_model_providers(environ={"CODEX_OSS_PORT": "9999"})
    assert b["ollama"].base_url == "http://localhost:9999/v1"
    b = M.built_in_model_providers(environ={"CODEX_OSS_BASE_URL": "http://h:1/v1", "CODEX_OSS_PORT": "x"})
    assert b["lmstudio"].base_url == "http://h:1/v1"
    b = M.built_in_model_providers(environ={"CODEX_OSS_PORT": "junk"})
    assert b["ollama"].base_url == "http://localhost:11434/v1"


def test_defaults_and_caps():
    p = ModelProviderInfo(name="x")
    assert (p.effective_request_max_retries(), p.effective_stream_max_retries(), p.stream_idle_timeout()) == (4, 5, 300.0)
    p = ModelProviderInfo(name="x", request_max_retries=1000, stream_max_retries=101, stream_idle_timeout_ms=1500)
    assert (p.effective_request_max_retries(), p.effective_stream_max_retries(), p.stream_idle_timeout()) == (100, 100, 1.5)


def test_wire_api():
    with pytest.raises(ProviderError) as exc:
        ModelProviderInfo.from_toml({"name": "x", "wire_api": "chat"})
    assert str(exc.value) == ('`wire_api = "chat"` is no longer supported.\nHow to fix: set `wire_api = '
                              '"responses"` in your provider config.\nMore info: '
                              'https://github.com/openai/codex/discussions/7782')
    assert ModelProviderInfo.from_toml({"name": "x"}).wire_api == "responses"


def test_resolve_from_config():
    raw = {"model_provider": "mock", "model_providers": {"mock": {
        "name": "mock", "base_url": "http://127.0.0.1:1/v1", "env_key": "MOCK_API_KEY",
        "env_key_instructions": "Set it.", "query_params": {"api-version": "2025-04-01"},
        "http_headers": {"X-A": "1"}, "env_http_headers": {"X-B": "B_VAR", "X-C": "C_VAR"},
        "request_max_retries": 1, "stream_max_retries": 2, "stream_idle_timeout_ms": 3}}}
    pid, p = M.provider_for(raw, environ={"B_VAR": "b", "C_VAR": "  "})
    assert pid == "mock"
    assert p.url_for("responses") == "http://127.0.0.1:1/v1/responses?api-version=2025-04-01"
    assert p.extra_headers({"B_VAR": "b", "C_VAR": "  "}) == [("x-a", "1"), ("x-b", "b")]
    assert p.api_key({"MOCK_API_KEY": "sk"}) == "sk"
    with pytest.raises(M.EnvVarError) as exc:
        p.api_key({"MOCK_API_KEY": "   "})
    assert str(exc.value) == "Missing environment variable: `MOCK_API_KEY`. Set it."
    assert M.provider_for({}, environ={})[0] == "openai"
    assert M.provider_for({}, environ={"OPENAI_BASE_URL": "http://o/v1"})[1].base_url == "http://o/v1"
    assert M.provider_for({"openai_base_url": "http://c/v1"}, environ={})[1].base_url == "http://c/v1"
    with pytest.raises(ProviderError, match="Model provider `nope` not found"):
        M.provider_for({"model_provider": "nope"}, environ={})
    with pytest.raises(ProviderError, match="`ollama-chat` is no longer supported"):
        M.provider_for({"model_provider": "ollama-chat"}, environ={})
    with pytest.raises(ProviderError, match="reserved built-in provider IDs: `openai`"):
        M.resolve_providers({"model_providers": {"openai": {"name": "x"}}}, environ={})


def test_validate():
    with pytest.raises(ProviderError, match="provider auth.command must not be empty"):
        ModelProviderInfo(name="x", auth={"command": " "}).validate()
    with pytest.raises(ProviderError, match="provider auth cannot be combined with env_key, requires_openai_auth"):
        ModelProviderInfo(name="x", auth={"command": "c"}, env_key="K", requires_openai_auth=True).validate()
    with pytest.raises(ProviderError, match="provider aws cannot be combined with supports_websockets"):
        ModelProviderInfo(name="x", aws={}, supports_websockets=True).validate()


def test_auth_objects():
    assert isinstance(M.BearerAuth("t"), M.AuthProvider)
    assert asyncio.run(M.BearerAuth("t").headers()) == {"authorization": "Bearer t"}
    p = ModelProviderInfo(name="m", env_key="K")
    assert asyncio.run(M.EnvKeyAuth(p, {"K": "v"}).headers()) == {"authorization": "Bearer v"}
    with pytest.raises(M.EnvVarError):
        asyncio.run(M.EnvKeyAuth(p, {}).headers())
    assert asyncio.run(M.NoAuth().headers()) == {}


def test_provider_headers_reach_the_wire():
    from parity.mock_responses import MockResponses, sse, text_stream
    from codex.model.client import ResponsesClient

    async def go():
        with MockResponses([sse(text_stream("x"))]) as mock:
            p = M.create_openai_provider(mock.base_url)
            c = ResponsesClient(p, M.BearerAuth("k"), environ={"OPENAI_ORGANIZATION": "org"})
            try:
                async for _ in c.stream_turn({}, [("accept", "text/event-stream"), ("content-type", "application/json")]):
                    pass
            finally:
                await c.aclose()
            return mock.responses_requests()[0]
    r = asyncio.run(go())
    assert r.header("version") == "0.136.0" and r.header("openai-organization") == "org"
    # in the order given (host is added last, before content-length, as the reference sends it)
    assert [k for k, _ in r.headers][:4] == ["accept", "version", "openai-organization", "authorization"]


def test_httpx_not_imported_by_help():
    import subprocess, sys
    code = ("import sys; from codex.cli import app; app.run(['--help']) if False else None; "
            "import codex.model.client, codex.model.request, codex.model.providers, codex.model.catalog; "
            "print('httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": "src", "PATH": "/usr/bin:/bin"}, cwd=__file__.rsplit("/tests/", 1)[0])
    assert out.stdout.strip() == "False", out.stderr


def test_from_config_and_401_recovery():
    from parity.mock_responses import MockResponses, http_error, sse, text_stream
    from codex.model.client import Completed, ResponsesClient
    from codex.model import errors as E

    class FakeAuth:
        auth_mode = "chatgpt"

        def __init__(self):
            self.token, self.calls = "old", 0

        async def headers(self):
            return {"Authorization": f"Bearer {self.token}", "chatgpt-account-id": "acc"}

        async def on_unauthorized(self, recovery=None):
            self.calls += 1
            if self.calls > 1:
                return False
            self.token = "new"
            return True

    async def go(replies):
        with MockResponses(replies, exhausted="error") as mock:
            auth = FakeAuth()
            raw = {"model_provider": "m", "model_providers": {"m": {"name": "m", "base_url": mock.base_url,
                                                                    "stream_max_retries": 0}}}
            c = ResponsesClient.from_config(raw, auth, environ={})
            evs, err = [], None
            try:
                async for ev in c.stream_turn({}, [("accept", "text/event-stream")]):
                    evs.append(ev)
            except E.ModelError as exc:
                err = exc
            finally:
                await c.aclose()
            return evs, err, mock.responses_requests(), auth

    evs, err, reqs, auth = asyncio.run(go([http_error(401, "expired"), sse(text_stream("ok"))]))
    assert err is None and isinstance(evs[-1], Completed)
    assert [r.header("authorization") for r in reqs] == ["Bearer old", "Bearer new"]
    assert reqs[1].header("chatgpt-account-id") == "acc"
    evs, err, reqs, auth = asyncio.run(go([http_error(401, "expired"), http_error(401, "still")]))
    assert isinstance(err, E.UnexpectedStatusError) and str(err).startswith("unexpected status 401 Unauthorized: still")
    assert len(reqs) == 2

    # a missing env_key fails the turn at request time, without retries or a request
    c = ResponsesClient.from_config({"model_provider": "m", "model_providers": {"m": {
        "name": "m", "env_key": "NOPE", "env_key_instructions": "Get one."}}}, environ={})

    async def run_missing():
        try:
            async for _ in c.stream_turn({}, []):
                pass
        except E.ModelError as exc:
            return exc
        finally:
            await c.aclose()
    exc = asyncio.run(run_missing())
    assert isinstance(exc, M.EnvVarError) and str(exc) == "Missing environment variable: `NOPE`. Get one."
    c = ResponsesClient.from_config({}, environ={})
    assert c.url == "https://api.openai.com/v1/responses"
    c = ResponsesClient.from_config({}, FakeAuth(), environ={})
    assert c.url == "https://chatgpt.com/backend-api/codex/responses"


def test_real_auth_manager_satisfies_the_protocol(tmp_path):
    try:
        from codex.auth.manager import AuthManager
    except ImportError:
        pytest.skip("codex.auth not available")
    m = AuthManager(str(tmp_path))
    assert isinstance(m, M.AuthProvider)
    assert asyncio.run(m.headers()) == {}


def test_request_compression_only_for_chatgpt_on_openai():
    from codex.model.client import ResponsesClient

    class Chatgpt:
        auth_mode = "chatgpt"

        async def headers(self):
            return {"authorization": "Bearer t"}

    c = ResponsesClient.from_config({}, Chatgpt(), environ={})
    assert c.url.startswith("https://chatgpt.com/backend-api/codex")
    try:
        import zstandard  # noqa: F401
        assert c._compress is not None
    except ImportError:
        assert c._compress is None      # no zstd module: sent uncompressed
    c = ResponsesClient.from_config({}, Chatgpt(), environ={}, enable_request_compression=False)
    assert c._compress is None
    c = ResponsesClient.from_config({}, M.BearerAuth("k"), environ={})
    assert c._compress is None


def test_compressed_body_on_the_wire():
    from parity.mock_responses import MockResponses, sse, text_stream
    from codex.model.client import ResponsesClient

    async def go():
        with MockResponses([sse(text_stream("x"))]) as mock:
            c = ResponsesClient(ModelProviderInfo(name="m", base_url=mock.base_url), M.BearerAuth("k"))
            c._compress = lambda b: b"Z" + b[::-1]
            try:
                async for _ in c.stream_turn({"a": 1}, [("content-type", "application/json")]):
                    pass
            finally:
                await c.aclose()
            return mock.responses_requests()[0]
    r = asyncio.run(go())
    assert r.header("content-encoding") == "zstd" and r.body == b"Z" + b'{"a":1}'[::-1]
    assert int(r.header("content-length")) == len(r.body)


def test_credential_precedence():
    from codex.model.client import ResponsesClient

    login = M.BearerAuth("login")
    raw = {"model_provider": "p", "model_providers": {"p": {"name": "p", "experimental_bearer_token": "tok"}}}
    c = ResponsesClient.from_config(raw, login, environ={})
    assert asyncio.run(c.auth.headers()) == {"authorization": "Bearer tok"}
    raw["model_providers"]["p"]["env_key"] = "K"
    c = ResponsesClient.from_config(raw, login, environ={"K": "env"})
    assert asyncio.run(c.auth.headers()) == {"authorization": "Bearer env"}
    c = ResponsesClient.from_config({}, login, environ={})
    assert c.auth is login

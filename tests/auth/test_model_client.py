"""The model client (codex.model) with the real AuthManager: ChatGPT headers, and a 401 answered
by the reference's recovery (reload, then a refresh at the fake issuer) before the request is
sent again with the new access token."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import pytest

from codex.auth.manager import AuthManager
from codex.auth.storage import AuthDotJson, TokenData, create_auth_storage, parse_chatgpt_jwt_claims
from fake_issuer import FakeIssuer, access_token_for, id_token_for


def test_401_refresh_and_retry_through_the_model_client(codex_home):
    pytest.importorskip("httpx")
    from parity.mock_responses import MockResponses, http_error, sse, text_stream
    from codex.model.client import Completed, ResponsesClient

    old_access = access_token_for(int(time.time()) + 3600)
    create_auth_storage(str(codex_home), "file").save(AuthDotJson(
        auth_mode="chatgpt", tokens=TokenData(parse_chatgpt_jwt_claims(id_token_for()), old_access, "refresh-0",
                                              "acct-123"),
        last_refresh=dt.datetime.now(dt.timezone.utc)))

    async def go(issuer, mock):
        auth = AuthManager(str(codex_home), refresh_endpoint=issuer.base_url + "/oauth/token")
        raw = {"model_provider": "m", "model_providers": {"m": {"name": "m", "base_url": mock.base_url,
                                                                "stream_max_retries": 0}}}
        client = ResponsesClient.from_config(raw, auth, environ={})
        events = []
        try:
            async for ev in client.stream_turn({}, [("accept", "text/event-stream")]):
                events.append(ev)
        finally:
            await client.aclose()
        return events

    replies = [http_error(401, "expired"), http_error(401, "expired"), sse(text_stream("ok"))]
    with FakeIssuer() as issuer, MockResponses(replies, exhausted="error") as mock:
        events = asyncio.run(go(issuer, mock))
        reqs = mock.responses_requests()
        refreshes = [json.loads(b) for _, p, _, b in issuer.requests if p == "/oauth/token"]
    assert isinstance(events[-1], Completed)
    new_access = json.loads((codex_home / "auth.json").read_text())["tokens"]["access_token"]
    # 401 -> reload (nothing new on disk) -> resend -> 401 -> refresh -> resend with the new token
    assert [r.header("authorization") for r in reqs] == [f"Bearer {old_access}"] * 2 + [f"Bearer {new_access}"]
    assert all(r.header("chatgpt-account-id") == "acct-123" for r in reqs)
    assert [r["refresh_token"] for r in refreshes] == ["refresh-0"]

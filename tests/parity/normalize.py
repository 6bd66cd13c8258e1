"""Normalizers that make the output of ours and of the reference comparable byte for byte.

Placeholders follow the reference captures (shared/reference/{exec,app-server}/README.md), so a
golden copied from there compares directly once both sides went through the same `Normalizer`:

  paths       <CWD> <CODEX_HOME> <HOME> <SCRATCH> (the sandbox root; the exec captures call it
              <BASE>: pass root_placeholder="<BASE>"), <REF_VENDOR_DIR>, <REF_NPM_PREFIX>,
              <TRUNCATED_PATH> (a path codex shortened with "…")
  ports       127.0.0.1:<PORT>, localhost:<PORT>, [::1]:<PORT>, "port <PORT>"
  ids         UUIDs -> <UUID_1>, <UUID_2> ... numbered by first appearance, so "the thread id of
              thread.started is the prompt_cache_key" survives; Chunk ID: <CHUNK_ID>
  times       ISO-8601 -> <TIMESTAMP>; rollout-YYYY-MM-DDTHH-MM-SS- -> rollout-<TIMESTAMP>-;
              sessions/YYYY/MM/DD/ -> sessions/<YYYY>/<MM>/<DD>/; <current_date>..</current_date>
              -> <DATE>; numeric JSON values of keys ending in _at / At (optionally _ms, Ms,
              _unix_ms) or named "timestamp" -> "<TIME>"
  durations   "Wall time: 0.0123 seconds", "succeeded in 12ms", "exited 2 in 0ms", and JSON
              values of duration/elapsed/time_to_first_token keys -> <DURATION>
  pids        JSON values of "pid"/"processId" -> "<PID>"

JSON stays valid: a masked number becomes a quoted placeholder, with the same escaping as its key
(so it also works inside JSON-encoded strings such as the x-codex-turn-metadata header).

The paths and ports only need the sandbox; the rest applies to any text, goldens included:

    norm = env.normalizer()              # RefEnv.normalizer(): paths, mock port, masks
    assert norm.jsonl(ours.stdout) == Normalizer().jsonl(golden_text)
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Iterable, Mapping, Sequence

UUID_RE = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
ISO_TS_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
ROLLOUT_TS_RE = re.compile(r"rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?=-|\.)")
SESSIONS_DIR_RE = re.compile(r"(sessions/)\d{4}/\d{2}/\d{2}/")
CURRENT_DATE_RE = re.compile(r"(<current_date>)\d{4}-\d{2}-\d{2}(</current_date>)")
CHUNK_ID_RE = re.compile(r"(Chunk ID: )[0-9a-fA-F]+")
WALL_TIME_RE = re.compile(r"(Wall time: )\d+(?:\.\d+)?( seconds?)")
IN_DURATION_RE = re.compile(r"\b((?:succeeded|exited -?\d+|failed) in )\d+(?:\.\d+)?(?:ms|s|m)\b")
TRUNCATED_PATH_RE = re.compile(r"(?:<[A-Z_]+>|/)[^\s`'\"(),]*\u2026[^\s`'\"(),]*")
LOOPBACK_PORT_RE = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):(\d{2,5})\b")

# "key": <number>  (also \"key\":<number> inside a JSON-encoded string); group 1 is the quote.
_NUM = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
TIME_KEY = r"(?:[A-Za-z0-9_]*(?:_at|At)(?:_unix)?(?:_ms|_s|Ms)?|timestamp|[A-Za-z0-9_]*_unix_ms)"
DURATION_KEY = (r"(?:[A-Za-z0-9_]*(?:duration|Duration|elapsed|Elapsed|wall_time|wallTime|"
                r"time_to_first_token|timeToFirstToken)[A-Za-z0-9_]*)")
PID_KEY = r"(?:pid|processId|process_id)"


def _key_value_re(key: str) -> re.Pattern:
    return re.compile(r'(\\*")(' + key + r')\1(\s*:\s*)(' + _NUM + r')(?![\w.])')


TIME_VALUE_RE = _key_value_re(TIME_KEY)
DURATION_VALUE_RE = _key_value_re(DURATION_KEY)
PID_VALUE_RE = _key_value_re(PID_KEY)


def _mask_value(rx: re.Pattern, placeholder: str, text: str) -> str:
    return rx.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(1)}{placeholder}{m.group(1)}",
                  text)


class Normalizer:
    """Stateful text/JSON normalizer (UUID numbering is shared by every call on one instance)."""

    def __init__(self, paths: Mapping[str, str] | Iterable[tuple[str, str]] = (), *,
                 ports: Sequence[int] = (), any_loopback_port: bool = True,
                 uuids: str = "numbered", timestamps: bool = True, durations: bool = True,
                 pids: bool = True, chunk_ids: bool = True, truncated_paths: bool = True,
                 extra: Iterable[tuple[str | re.Pattern, str]] = ()):
        """`paths`: real path -> placeholder (realpath and JSON-escaped variants are added, the
        longest path wins). `uuids`: "numbered" (<UUID_n>), "flat" (<UUID>) or "keep"."""
        if uuids not in ("numbered", "flat", "keep"):
            raise ValueError("uuids must be 'numbered', 'flat' or 'keep'")
        pairs: dict[str, str] = {}
        for real, ph in (paths.items() if isinstance(paths, Mapping) else paths):
            real = str(real)
            if not real or real == "/":
                continue
            for variant in {real.rstrip("/"), os.path.realpath(real)}:
                pairs.setdefault(variant, ph)
                esc = json.dumps(variant)[1:-1]
                if esc != variant:
                    pairs.setdefault(esc, ph)
        self.paths = sorted(pairs.items(), key=lambda p: -len(p[0]))
        self.ports = [int(p) for p in ports]
        self.any_loopback_port = any_loopback_port
        self.uuids = uuids
        self.timestamps, self.durations, self.pids = timestamps, durations, pids
        self.chunk_ids, self.truncated_paths = chunk_ids, truncated_paths
        self.extra = list(extra)
        self.uuid_map: dict[str, str] = {}

    @classmethod
    def for_sandbox(cls, env: Any, *, ports: Sequence[int] = (), root_placeholder: str = "<SCRATCH>",
                    **kw: Any) -> "Normalizer":
        """Paths of a RefEnv (cwd, codex_home, home, root) and of the reference install."""
        paths: list[tuple[str, str]] = [(str(env.cwd), "<CWD>"), (str(env.codex_home), "<CODEX_HOME>"),
                                        (str(env.home), "<HOME>"), (str(env.root), root_placeholder)]
        from . import reference
        ref = reference._cache.get("path")
        if ref is not None:
            paths.append((str(ref.parent.parent), "<REF_VENDOR_DIR>"))
            s = str(ref)
            if "/node_modules/" in s:
                paths.append((s.split("/node_modules/")[0], "<REF_NPM_PREFIX>"))
        return cls(paths, ports=ports, **kw)

    # -- pieces

    def _uuid(self, m: re.Match) -> str:
        if self.uuids == "flat":
            return "<UUID>"
        key = m.group(0).lower()
        if key not in self.uuid_map:
            self.uuid_map[key] = f"<UUID_{len(self.uuid_map) + 1}>"
        return self.uuid_map[key]

    def text(self, s: str) -> str:
        for real, ph in self.paths:
            s = s.replace(real, ph)
        if self.truncated_paths:
            s = TRUNCATED_PATH_RE.sub("<TRUNCATED_PATH>", s)
        for port in self.ports:
            s = re.sub(rf"(127\.0\.0\.1|localhost|\[::1\]):{port}\b", r"\1:<PORT>", s)
            s = re.sub(rf"\bport {port}\b", "port <PORT>", s)
        if self.any_loopback_port:
            s = LOOPBACK_PORT_RE.sub(r"\1:<PORT>", s)
        if self.timestamps:
            s = ROLLOUT_TS_RE.sub("rollout-<TIMESTAMP>", s)
            s = ISO_TS_RE.sub("<TIMESTAMP>", s)
            s = SESSIONS_DIR_RE.sub(r"\1<YYYY>/<MM>/<DD>/", s)
            s = CURRENT_DATE_RE.sub(r"\1<DATE>\2", s)
        if self.uuids != "keep":
            s = UUID_RE.sub(self._uuid, s)
        if self.timestamps:
            s = _mask_value(TIME_VALUE_RE, "<TIME>", s)
        if self.durations:
            s = _mask_value(DURATION_VALUE_RE, "<DURATION>", s)
            s = WALL_TIME_RE.sub(r"\1<DURATION>\2", s)
            s = IN_DURATION_RE.sub(r"\1<DURATION>", s)
        if self.pids:
            s = _mask_value(PID_VALUE_RE, "<PID>", s)
        if self.chunk_ids:
            s = CHUNK_ID_RE.sub(r"\1<CHUNK_ID>", s)
        for pat, rep in self.extra:
            s = pat.sub(rep, s) if isinstance(pat, re.Pattern) else s.replace(pat, rep)
        return s

    __call__ = text

    def obj(self, o: Any) -> Any:
        """A JSON-able value, normalized (keys included)."""
        return json.loads(self.text(json.dumps(o, ensure_ascii=False)))

    def jsonl(self, text: str) -> list[Any]:
        """JSON lines -> normalized objects (blank lines skipped; a non-JSON line stays a string)."""
        out: list[Any] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                out.append(self.obj(json.loads(line)))
            except ValueError:
                out.append(self.text(line))
        return out


def mask(text: str, **kw: Any) -> str:
    """Volatile values only (for text whose paths are already placeholders, e.g. goldens)."""
    return Normalizer(**kw).text(text)


# Headers whose value depends on things a comparison should not see.
UNSTABLE_HEADERS = ("host", "content-length")
# The captures store these redacted.
REDACTED_HEADERS = {"authorization": "Bearer <redacted>", "cookie": "<redacted>"}


def request_view(req: Any, norm: Normalizer | None = None, drop_headers: Sequence[str] = UNSTABLE_HEADERS,
                 redact: Mapping[str, str] = REDACTED_HEADERS) -> dict:
    """A request as a normalized dict {method, path, headers, body}: headers lower-cased and
    sorted, without `drop_headers`, `redact`ed as in the captures; body = parsed JSON.
    `req` is a mock `RecordedRequest` or a golden request dict (requests.jsonl line)."""
    if isinstance(req, Mapping):
        method, path, body = req["method"], req["path"], req.get("body")
        items = list(req.get("headers", {}).items())
    else:
        method, path, body, items = req.method, req.path, req.json, list(req.headers)
    hdrs: dict[str, str] = {}
    for k, v in items:
        k = k.lower()
        if k not in drop_headers:
            hdrs[k] = redact.get(k, v)
    view = {"method": method, "path": path, "headers": {k: hdrs[k] for k in sorted(hdrs)}, "body": body}
    return (norm or Normalizer()).obj(view)

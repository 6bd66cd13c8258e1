"""The turn's aggregated `diff --git` text (upstream core/src/turn_diff_tracker.rs as the
0.136.0 binary behaves: the in-memory tracker fed by successful apply_patch calls).

What 0.136.0 does (checked against the reference binary, see tests/core/test_turn_diff.py):

* The tracker lives for one turn, with a display root: the git repository root of the turn's
  cwd (the nearest ancestor holding a `.git` entry), else the cwd itself. Paths under it are
  shown relative to it, others absolute.
* Only successful patches count, and only their text: a baseline per path (the content before
  the turn first touched it, or none for a file the turn created), the current content per path
  (what the patches wrote), and for moved files the path they came from. Shell commands that
  touch a file afterwards are not seen; there are no mode lines other than `100644`, no binary
  files (apply_patch only writes text).
* Rendering: every path that has a baseline or a current content, sorted by display path; a
  moved file whose origin has a baseline and whose destination had none renders as one
  `diff --git a/<origin> b/<dest>` at the origin's place; a path whose content ended where it
  started renders nothing. Per file: `new file mode 100644` / `deleted file mode 100644`,
  `index <blob>..<blob>` (git blob SHA-1 of the text, zeros for an absent side), then the
  `similar` crate's `TextDiff::from_lines(..).unified_diff()` with 3 lines of context and
  `--- a/..` / `+++ b/..` (or /dev/null) headers. None when nothing renders.

The Python API keeps the core's patch_apply_begin hook:

    tracker = TurnDiffTracker.for_cwd(cwd)
    tracker.on_patch_begin(changes)      # before the patch: snapshots what it will overwrite
    ... apply the patch ...
    tracker.on_patch_end(success)        # after it: records what a successful patch wrote
    tracker.get_unified_diff()           # -> str | None

`changes` maps absolute paths to the core's change objects (`{"type": "add", "content"}`,
`{"type": "delete", "content"}`, `{"type": "update", "unified_diff", "move_path"}`; an update
may also carry `new_content`). A begin that is never ended is settled by the next
`on_patch_begin` / `get_unified_diff` from what is on disk then (a change the disk does not
show, as after a failed patch, is not recorded).

The `similar` port (Myers with middle snake, the `Compact` + `Replace` hooks, grouping with a
context radius, hunk headers, "\\ No newline at end of file") is at the bottom of this module:
`unified_diff(old, new, context_radius, header)`.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

ZERO_OID = "0000000000000000000000000000000000000000"
DEV_NULL = "/dev/null"
REGULAR_FILE_MODE = "100644"

__all__ = [
    "TurnDiffTracker",
    "git_blob_sha1_hex",
    "unified_diff",
    "tokenize_lines",
    "ZERO_OID",
    "DEV_NULL",
    "REGULAR_FILE_MODE",
]


@dataclass
class _PendingChange:
    path: str
    kind: str                          # "add" | "delete" | "update"
    content: Optional[str] = None      # add: the new text; delete: the deleted text
    move_path: Optional[str] = None
    new_content: Optional[str] = None  # update: when the caller knows it
    pre_change_content: Optional[str] = None
    overwritten_move_content: Optional[str] = None


@dataclass
class TurnDiffTracker:
    """Net text diff of the current turn's successful apply_patch calls."""

    display_root: Optional[str] = None
    _baseline_by_path: dict[str, str] = field(default_factory=dict, repr=False)
    _current_by_path: dict[str, str] = field(default_factory=dict, repr=False)
    _origin_by_current_path: dict[str, str] = field(default_factory=dict, repr=False)
    _pending: Optional[list[_PendingChange]] = field(default=None, repr=False)

    @classmethod
    def for_cwd(cls, cwd: str | os.PathLike) -> "TurnDiffTracker":
        """The tracker a turn gets: displayed relative to the git repo root of `cwd`, else
        to `cwd`."""
        from codex.git.info import get_git_repo_root

        cwd = os.fspath(cwd)
        return cls(display_root=get_git_repo_root(cwd) or cwd)

    # -- recording ------------------------------------------------------------------------

    def on_patch_begin(self, changes: Mapping[Any, Mapping[str, Any]]) -> None:
        """Before a patch is applied: remember its changes (in patch order) with the text they
        will replace (an added file's previous content, an updated file's content, a move
        destination's content)."""
        if self._pending is not None:
            self._commit_pending(assume_success=None)
        pending: list[_PendingChange] = []
        for raw_path, change in changes.items():
            path = os.fspath(raw_path)
            kind = _get(change, "type")
            if kind == "add":
                pending.append(_PendingChange(path, "add", content=_get(change, "content") or "",
                                              pre_change_content=_read_text(path)))
            elif kind == "delete":
                pending.append(_PendingChange(path, "delete", content=_get(change, "content") or ""))
            elif kind == "update":
                move = _get(change, "move_path")
                move = os.fspath(move) if move else None
                pending.append(_PendingChange(
                    path, "update", move_path=move, new_content=_get(change, "new_content"),
                    pre_change_content=_read_text(path),
                    overwritten_move_content=_read_text(move) if move is not None else None))
        self._pending = pending

    def on_patch_end(self, success: bool = True) -> None:
        """After the patch: a successful one is recorded (what it wrote is read back from
        disk), a failed one forgotten."""
        if self._pending is None:
            return
        if success:
            self._commit_pending(assume_success=True)
        else:
            self._pending = None

    def _commit_pending(self, assume_success: Optional[bool]) -> None:
        pending, self._pending = self._pending or [], None
        settle = assume_success is None  # never ended: believe only what the disk shows
        for ch in pending:
            if ch.kind == "add":
                if settle and not os.path.exists(ch.path):
                    continue
                on_disk = _read_text(ch.path)
                self._apply_add(ch.path, on_disk if on_disk is not None else ch.content or "",
                                ch.pre_change_content)
            elif ch.kind == "delete":
                if settle and os.path.lexists(ch.path):
                    continue
                self._apply_delete(ch.path, ch.content or "")
            else:
                target = ch.move_path or ch.path
                if settle and (not os.path.exists(target)
                               or (ch.move_path is not None and ch.move_path != ch.path
                                   and os.path.lexists(ch.path))):
                    continue
                new_content = _read_text(target)
                if new_content is None:
                    new_content = ch.new_content
                if new_content is None or ch.pre_change_content is None:
                    continue
                self._apply_update(ch.path, ch.move_path, ch.pre_change_content,
                                   ch.overwritten_move_content, new_content)

    # upstream apply_add / apply_delete / apply_update

    def _apply_add(self, path: str, content: str, overwritten_content: Optional[str]) -> None:
        self._origin_by_current_path.pop(path, None)
        if (path not in self._current_by_path and path not in self._baseline_by_path
                and overwritten_content is not None):
            self._baseline_by_path[path] = overwritten_content
        self._current_by_path[path] = content

    def _apply_delete(self, path: str, content: str) -> None:
        if self._current_by_path.pop(path, None) is None and path not in self._baseline_by_path:
            self._baseline_by_path[path] = content
        self._origin_by_current_path.pop(path, None)

    def _apply_update(self, source: str, move_path: Optional[str], old_content: str,
                      overwritten_move_content: Optional[str], new_content: str) -> None:
        if source not in self._current_by_path and source not in self._baseline_by_path:
            self._baseline_by_path[source] = old_content
        if move_path is None:
            self._current_by_path[source] = new_content
            return
        dest = move_path
        if (dest not in self._current_by_path and dest not in self._baseline_by_path
                and overwritten_move_content is not None):
            self._baseline_by_path[dest] = overwritten_move_content
        origin = self._origin_by_current_path.pop(source, None)
        if origin is None:
            origin = source
        self._current_by_path.pop(source, None)
        self._current_by_path[dest] = new_content
        self._origin_by_current_path.pop(dest, None)
        if dest != origin:
            self._origin_by_current_path[dest] = origin

    # -- rendering ------------------------------------------------------------------------

    def get_unified_diff(self) -> Optional[str]:
        """The aggregated diff of the turn so far, or None when nothing renders."""
        if self._pending is not None:
            self._commit_pending(assume_success=None)
        rename_pairs = self._rename_pairs()
        paired_destinations = set(rename_pairs.values())
        handled: set[str] = set()
        paths = list(dict.fromkeys([*self._baseline_by_path, *self._current_by_path]))
        # Rust `sort_by_key` on the display String: stable, code point order
        paths.sort(key=self._display_path)

        aggregated = ""
        for path in paths:
            if path in handled:
                continue
            handled.add(path)
            if path in paired_destinations:
                continue
            if path in rename_pairs:
                dest = rename_pairs[path]
                handled.add(dest)
                diff = self._render_diff(path, self._baseline_by_path.get(path),
                                         dest, self._current_by_path.get(dest))
            else:
                diff = self._render_diff(path, self._baseline_by_path.get(path),
                                         path, self._current_by_path.get(path))
            if diff is not None:
                aggregated += diff
                if not aggregated.endswith("\n"):
                    aggregated += "\n"
        return aggregated or None

    def _rename_pairs(self) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for dest, origin in self._origin_by_current_path.items():
            if (dest == origin
                    or origin in self._current_by_path
                    or dest not in self._current_by_path
                    or origin not in self._baseline_by_path
                    or dest in self._baseline_by_path):
                continue
            pairs[origin] = dest
        return pairs

    def _render_diff(self, left_path: str, left: Optional[str], right_path: str,
                     right: Optional[str]) -> Optional[str]:
        if left == right:
            return None
        if left is None and right is None:  # pragma: no cover - equal above
            return None
        left_display = self._display_path(left_path)
        right_display = self._display_path(right_path)
        left_oid = git_blob_sha1_hex(left.encode("utf-8")) if left is not None else ZERO_OID
        right_oid = git_blob_sha1_hex(right.encode("utf-8")) if right is not None else ZERO_OID
        out = [f"diff --git a/{left_display} b/{right_display}\n"]
        if left is None:
            out.append(f"new file mode {REGULAR_FILE_MODE}\n")
        elif right is None:
            out.append(f"deleted file mode {REGULAR_FILE_MODE}\n")
        out.append(f"index {left_oid}..{right_oid}\n")
        old_header = f"a/{left_display}" if left is not None else DEV_NULL
        new_header = f"b/{right_display}" if right is not None else DEV_NULL
        out.append(unified_diff(left or "", right or "", context_radius=3,
                                header=(old_header, new_header)))
        return "".join(out)

    def _display_path(self, path: str) -> str:
        shown = path
        if self.display_root is not None:
            rel = _strip_prefix(path, self.display_root)
            if rel is not None:
                shown = rel
        return shown.replace("\\", "/")


def _get(change: Any, key: str) -> Any:
    if isinstance(change, Mapping):
        return change.get(key)
    return getattr(change, key, None)


def _read_text(path: Optional[str]) -> Optional[str]:
    """The file's text, or None when it is missing or not UTF-8 (upstream reads strings)."""
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def git_blob_sha1_hex(data: bytes) -> str:
    """Git's blob object id: SHA-1 of `blob <len>\\0` + data."""
    h = hashlib.sha1()
    h.update(f"blob {len(data)}\0".encode("ascii"))
    h.update(data)
    return h.hexdigest()


def _components(path: str) -> list[str]:
    """Rust `Path::components` of a POSIX path (repeated separators and inner `.` dropped)."""
    parts = []
    absolute = path.startswith("/")
    if absolute:
        parts.append("/")
    for i, c in enumerate(path.split("/")):
        if c == "" or (c == "." and (absolute or i > 0)):
            continue
        parts.append(c)
    return parts


def _strip_prefix(path: str, base: str) -> Optional[str]:
    """Rust `Path::strip_prefix` (component-wise), or None."""
    p, b = _components(path), _components(base)
    if p[: len(b)] != b:
        return None
    return "/".join(p[len(b):])


# ---------------------------------------------------------------------------------------
# `similar` 2.x: TextDiff::from_lines(old, new).unified_diff().context_radius(n).header(a, b)

_EQUAL, _DELETE, _INSERT, _REPLACE = "equal", "delete", "insert", "replace"

# An op is (tag, old_index, old_len, new_index, new_len); Equal has old_len == new_len,
# Delete new_len == 0, Insert old_len == 0 (similar's DiffOp::as_tag_tuple ranges).


def tokenize_lines(s: str) -> list[str]:
    """similar's `str::tokenize_lines`: lines keep their terminator (`\\r\\n`, `\\r` or
    `\\n`); a trailing piece without one is a line too."""
    lines = []
    last = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\r":
            if i + 1 < n and s[i + 1] == "\n":
                lines.append(s[last:i + 2])
                i += 2
                last = i
                continue
            lines.append(s[last:i + 1])
            last = i + 1
        elif c == "\n":
            lines.append(s[last:i + 1])
            last = i + 1
        i += 1
    if last < n:
        lines.append(s[last:])
    return lines


def _common_prefix_len(old, os_, oe, new, ns, ne) -> int:
    if os_ >= oe or ns >= ne:
        return 0
    n = 0
    limit = min(oe - os_, ne - ns)
    while n < limit and new[ns + n] == old[os_ + n]:
        n += 1
    return n


def _common_suffix_len(old, os_, oe, new, ns, ne) -> int:
    if os_ >= oe or ns >= ne:
        return 0
    n = 0
    limit = min(oe - os_, ne - ns)
    while n < limit and new[ne - 1 - n] == old[oe - 1 - n]:
        n += 1
    return n


def _max_d(len1: int, len2: int) -> int:
    return (len1 + len2 + 1) // 2 + 1


class _Myers:
    """similar::algorithms::myers (no deadline: TextDiff's default)."""

    def __init__(self, old: list, new: list) -> None:
        self.old = old
        self.new = new
        max_d = _max_d(len(old), len(new))
        self.off = max_d + 1
        self.vf = [0] * (2 * max_d + 4)
        self.vb = [0] * (2 * max_d + 4)
        self.ops: list[tuple] = []

    def run(self) -> list[tuple]:
        # conquer, iteratively (a stack of pending sub-problems / suffix equals, in order)
        stack: list[tuple] = [("conquer", 0, len(self.old), 0, len(self.new))]
        while stack:
            item = stack.pop()
            if item[0] == "equal":
                self.ops.append((_EQUAL, item[1], item[3], item[2], item[3]))
                continue
            _, os_, oe, ns, ne = item
            old, new = self.old, self.new
            pre = _common_prefix_len(old, os_, oe, new, ns, ne)
            if pre > 0:
                self.ops.append((_EQUAL, os_, pre, ns, pre))
            os_ += pre
            ns += pre
            suf = _common_suffix_len(old, os_, oe, new, ns, ne)
            suffix_at = (oe - suf, ne - suf)
            oe -= suf
            ne -= suf
            pending: list[tuple] = []
            if os_ >= oe and ns >= ne:
                pass
            elif ns >= ne:
                self.ops.append((_DELETE, os_, oe - os_, ns, 0))
            elif os_ >= oe:
                self.ops.append((_INSERT, os_, 0, ns, ne - ns))
            else:
                snake = self._find_middle_snake(os_, oe, ns, ne)
                if snake is not None:
                    x, y = snake
                    pending.append(("conquer", os_, x, ns, y))
                    pending.append(("conquer", x, oe, y, ne))
                else:  # unreachable without a deadline
                    self.ops.append((_DELETE, os_, oe - os_, ns, 0))
                    self.ops.append((_INSERT, os_, 0, ns, ne - ns))
            if suf > 0:
                pending.append(("equal", suffix_at[0], suffix_at[1], suf))
            stack.extend(reversed(pending))
        return self.ops

    def _find_middle_snake(self, os_: int, oe: int, ns: int, ne: int) -> Optional[tuple]:
        old, new = self.old, self.new
        vf, vb, off = self.vf, self.vb, self.off
        n = oe - os_
        m = ne - ns
        delta = n - m
        odd = (delta & 1) == 1
        vf[off + 1] = 0
        vb[off + 1] = 0
        d_max = _max_d(n, m)
        for d in range(d_max):
            # forward path
            for k in range(d, -d - 1, -2):
                if k == -d or (k != d and vf[off + k - 1] < vf[off + k + 1]):
                    x = vf[off + k + 1]
                else:
                    x = vf[off + k - 1] + 1
                y = x - k
                x0, y0 = x, y
                if x < n and 0 <= y < m:
                    xi, yi = os_ + x, ns + y
                    while xi < oe and yi < ne and new[yi] == old[xi]:
                        xi += 1
                        yi += 1
                    x = xi - os_
                vf[off + k] = x
                if odd and abs(k - delta) <= d - 1:
                    if vf[off + k] + vb[off - (k - delta)] >= n:
                        return (x0 + os_, y0 + ns)
            # backward path
            for k in range(d, -d - 1, -2):
                if k == -d or (k != d and vb[off + k - 1] < vb[off + k + 1]):
                    x = vb[off + k + 1]
                else:
                    x = vb[off + k - 1] + 1
                y = x - k
                if x < n and 0 <= y < m:
                    xi, yi = os_ + n - x, ns + m - y  # exclusive ends
                    adv = 0
                    while xi - adv > os_ and yi - adv > ns and new[yi - adv - 1] == old[xi - adv - 1]:
                        adv += 1
                    x += adv
                    y += adv
                vb[off + k] = x
                if not odd and abs(k - delta) <= d:
                    if vb[off + k] + vf[off - (k - delta)] >= n:
                        return (n - x + os_, m - y + ns)
        return None


def _tag(op: tuple) -> str:
    return op[0]


def _old_range(op: tuple) -> tuple[int, int]:
    return op[1], op[1] + op[2]


def _new_range(op: tuple) -> tuple[int, int]:
    return op[3], op[3] + op[4]


def _is_empty(op: tuple) -> bool:
    return op[2] == 0 and op[4] == 0


def _adjust(op: tuple, offset: int, length: int) -> tuple:
    tag, oi, ol, ni, nl = op
    oi += offset
    ni += offset
    if tag in (_EQUAL, _DELETE, _REPLACE):
        ol += length
    if tag in (_EQUAL, _INSERT, _REPLACE):
        nl += length
    return (tag, oi, ol, ni, nl)


def _shift_left(op, a):
    return _adjust(op, -a, 0)


def _shift_right(op, a):
    return _adjust(op, a, 0)


def _grow_left(op, a):
    return _adjust(op, -a, a)


def _grow_right(op, a):
    return _adjust(op, 0, a)


def _shrink_left(op, a):
    return _adjust(op, 0, -a)


def _shrink_right(op, a):
    return _adjust(op, a, -a)


def _cleanup_diff_ops(old: list, new: list, ops: list) -> None:
    """similar::algorithms::Compact (`cleanup_diff_ops`), as the crate has it."""
    for wanted in (_DELETE, _INSERT):
        pointer = 0
        while pointer < len(ops):
            if _tag(ops[pointer]) == wanted:
                pointer = _shift_diff_ops_up(ops, old, new, pointer)
                pointer = _shift_diff_ops_down(ops, old, new, pointer)
            pointer += 1


def _shift_diff_ops_up(ops: list, old: list, new: list, pointer: int) -> int:
    while pointer >= 1 and pointer - 1 < len(ops):
        prev_op = ops[pointer - 1]
        this_op = ops[pointer]
        this_tag, prev_tag = _tag(this_op), _tag(prev_op)
        if this_tag in (_INSERT, _DELETE) and prev_tag == _EQUAL:
            po = _old_range(prev_op)
            tn = _new_range(this_op)
            suffix_len = _common_suffix_len(old, po[0], po[1], new, tn[0], tn[1])
            if suffix_len > 0:
                if pointer + 1 < len(ops) and _tag(ops[pointer + 1]) == _EQUAL:
                    ops[pointer + 1] = _grow_left(ops[pointer + 1], suffix_len)
                else:
                    eq_len = suffix_len if this_tag == _INSERT else (po[1] - po[0]) - suffix_len
                    ops.insert(pointer + 1, (_EQUAL, po[1] - suffix_len, eq_len,
                                             tn[1] - suffix_len, eq_len))
                ops[pointer] = _shift_left(ops[pointer], suffix_len)
                ops[pointer - 1] = _shrink_left(ops[pointer - 1], suffix_len)
                if _is_empty(ops[pointer - 1]):
                    del ops[pointer - 1]
                    pointer -= 1
            elif _is_empty(ops[pointer - 1]):
                del ops[pointer - 1]
                pointer -= 1
            else:
                break
        elif (this_tag, prev_tag) in ((_INSERT, _DELETE), (_DELETE, _INSERT)):
            ops[pointer - 1], ops[pointer] = ops[pointer], ops[pointer - 1]
            pointer -= 1
        elif this_tag == _INSERT and prev_tag == _INSERT:
            ops[pointer - 1] = _grow_right(ops[pointer - 1], this_op[4])
            del ops[pointer]
            pointer -= 1
        elif this_tag == _DELETE and prev_tag == _DELETE:
            ops[pointer - 1] = _grow_right(ops[pointer - 1], this_op[2])
            del ops[pointer]
            pointer -= 1
        else:  # pragma: no cover - not reachable with Myers' output (Rust would spin)
            break
    return pointer


def _shift_diff_ops_down(ops: list, old: list, new: list, pointer: int) -> int:
    while pointer + 1 < len(ops):
        next_op = ops[pointer + 1]
        this_op = ops[pointer]
        this_tag, next_tag = _tag(this_op), _tag(next_op)
        if this_tag in (_INSERT, _DELETE) and next_tag == _EQUAL:
            no = _old_range(next_op)
            tn = _new_range(this_op)
            prefix_len = _common_prefix_len(old, no[0], no[1], new, tn[0], tn[1])
            if prefix_len > 0:
                if pointer >= 1 and _tag(ops[pointer - 1]) == _EQUAL:
                    ops[pointer - 1] = _grow_right(ops[pointer - 1], prefix_len)
                else:
                    ops.insert(pointer, (_EQUAL, no[0], prefix_len, tn[0], prefix_len))
                    pointer += 1
                ops[pointer] = _shift_right(ops[pointer], prefix_len)
                ops[pointer + 1] = _shrink_right(ops[pointer + 1], prefix_len)
                if _is_empty(ops[pointer + 1]):
                    del ops[pointer + 1]
            elif _is_empty(ops[pointer + 1]):
                del ops[pointer + 1]
            else:
                break
        elif (this_tag, next_tag) in ((_INSERT, _DELETE), (_DELETE, _INSERT)):
            ops[pointer], ops[pointer + 1] = ops[pointer + 1], ops[pointer]
            pointer += 1
        elif this_tag == _INSERT and next_tag == _INSERT:
            ops[pointer] = _grow_right(ops[pointer], next_op[4])
            del ops[pointer + 1]
        elif this_tag == _DELETE and next_tag == _DELETE:
            ops[pointer] = _grow_right(ops[pointer], next_op[2])
            del ops[pointer + 1]
        else:  # pragma: no cover
            break
    return pointer


def _replace_hook(ops: list) -> list:
    """similar::algorithms::Replace over Capture: adjacent deletes/inserts become replaces."""
    out: list[tuple] = []
    state = {"del": None, "ins": None, "eq": None}

    def flush_eq():
        eq = state["eq"]
        if eq is not None:
            state["eq"] = None
            out.append((_EQUAL, eq[0], eq[2], eq[1], eq[2]))

    def flush_del_ins():
        de, ins = state["del"], state["ins"]
        if de is not None:
            state["del"] = None
            if ins is not None:
                state["ins"] = None
                out.append((_REPLACE, de[0], de[1], ins[1], ins[2]))
            else:
                out.append((_DELETE, de[0], de[1], de[2], 0))
        elif ins is not None:
            state["ins"] = None
            out.append((_INSERT, ins[0], 0, ins[1], ins[2]))

    for tag, oi, ol, ni, nl in ops:
        if tag == _EQUAL:
            flush_del_ins()
            eq = state["eq"]
            state["eq"] = (eq[0], eq[1], eq[2] + ol) if eq is not None else (oi, ni, ol)
        elif tag == _DELETE:
            flush_eq()
            de = state["del"]
            state["del"] = (de[0], de[1] + ol, de[2]) if de is not None else (oi, ol, ni)
        elif tag == _INSERT:
            flush_eq()
            ins = state["ins"]
            state["ins"] = (ins[0], ins[1], nl + ins[2]) if ins is not None else (oi, ni, nl)
        else:
            flush_eq()
            out.append((tag, oi, ol, ni, nl))
    flush_eq()
    flush_del_ins()
    return out


def capture_diff_lines(old: list, new: list) -> list:
    """`capture_diff_deadline(Myers, ..)`: Myers -> Compact -> Replace -> Capture."""
    # Equality by value; interning into ints keeps the comparisons cheap (similar does the
    # same through IdentifyDistinct above 100 lines, with identical results).
    ids: dict = {}
    old_ids = [ids.setdefault(x, len(ids)) for x in old]
    new_ids = [ids.setdefault(x, len(ids)) for x in new]
    ops = _Myers(old_ids, new_ids).run()
    _cleanup_diff_ops(old_ids, new_ids, ops)
    return _replace_hook(ops)


def group_diff_ops(ops: list, n: int) -> list:
    """similar::group_diff_ops."""
    if not ops:
        return []
    ops = list(ops)
    first = ops[0]
    if first[0] == _EQUAL:
        length = first[2]
        offset = max(length - n, 0)
        ops[0] = (_EQUAL, first[1] + offset, length - offset, first[3] + offset, length - offset)
    last = ops[-1]
    if last[0] == _EQUAL:
        length = last[2]
        length -= max(length - n, 0)
        ops[-1] = (_EQUAL, last[1], length, last[3], length)
    rv: list[list] = []
    pending: list = []
    for op in ops:
        if op[0] == _EQUAL and op[2] > n * 2:
            _, oi, length, ni, _ = op
            pending.append((_EQUAL, oi, n, ni, n))
            rv.append(pending)
            offset = max(length - n, 0)
            pending = [(_EQUAL, oi + offset, length - offset, ni + offset, length - offset)]
            continue
        pending.append(op)
    if not (len(pending) == 0 or (len(pending) == 1 and pending[0][0] == _EQUAL)):
        rv.append(pending)
    return rv


def _hunk_range(start: int, end: int) -> str:
    beginning = start + 1
    length = max(end - start, 0)
    if length == 1:
        return f"{beginning}"
    if length == 0:
        beginning -= 1
    return f"{beginning},{length}"


def _ends_with_newline(s: str) -> bool:
    return s.endswith("\r") or s.endswith("\n")


def unified_diff(old: str, new: str, context_radius: int = 3,
                 header: Optional[tuple[str, str]] = None,
                 missing_newline_hint: bool = True) -> str:
    """`TextDiff::from_lines(old, new).unified_diff().context_radius(n).header(a, b)
    .to_string()` of the `similar` crate."""
    old_lines = tokenize_lines(old)
    new_lines = tokenize_lines(new)
    ops = capture_diff_lines(old_lines, new_lines)
    out: list[str] = []
    hdr = header
    for group in group_diff_ops(ops, context_radius):
        if not group:
            continue
        if hdr is not None:
            out.append(f"--- {hdr[0]}\n+++ {hdr[1]}\n")
            hdr = None
        first, last = group[0], group[-1]
        out.append(f"@@ -{_hunk_range(first[1], last[1] + last[2])} "
                   f"+{_hunk_range(first[3], last[3] + last[4])} @@\n")
        for tag, oi, ol, ni, nl in group:
            changes: list[tuple[str, str]] = []
            if tag == _EQUAL:
                changes = [(" ", old_lines[i]) for i in range(oi, oi + ol)]
            elif tag == _DELETE:
                changes = [("-", old_lines[i]) for i in range(oi, oi + ol)]
            elif tag == _INSERT:
                changes = [("+", new_lines[i]) for i in range(ni, ni + nl)]
            else:
                changes = ([("-", old_lines[i]) for i in range(oi, oi + ol)]
                           + [("+", new_lines[i]) for i in range(ni, ni + nl)])
            for sign, value in changes:
                out.append(sign)
                out.append(value)
                if not _ends_with_newline(value):
                    out.append("\n\\ No newline at end of file\n" if missing_newline_hint else "\n")
    return "".join(out)

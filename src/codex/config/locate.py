"""Where things are in a TOML document, and the `toml` crate's parse error report.

`locate(text, path)` finds the line and column (1-based) of the value at a dotted path (or of its
key, `key=True`), as the reference prints them in `<file>:<line>:<col>: ...`. It is a line scanner,
not a parser: it understands `[table]`/`[[array]]` headers, dotted and quoted keys, multi-line
strings and arrays; a value inside an inline table or a multi-line array is reported at the
nearest enclosing key it can see.

`parse_error_report(text, message, line, col)` renders toml_edit's `TOML parse error at line L,
column C` block with the offending line and the caret span.
"""

from __future__ import annotations

__all__ = ["locate", "parse_error_report"]


def _parse_key(s: str, i: int, starts: list | None = None) -> tuple[list[str], int]:
    """Parse a (dotted, possibly quoted) key starting at s[i]; returns (parts, index after key).
    `starts`, when given, receives the index of each part."""
    parts: list[str] = []
    n = len(s)
    while True:
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            break
        if starts is not None:
            starts.append(i)
        c = s[i]
        if c == '"':
            j = i + 1
            buf = []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    esc = s[j + 1]
                    buf.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(esc, esc))
                    j += 2
                    continue
                buf.append(s[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        elif c == "'":
            j = s.find("'", i + 1)
            if j < 0:
                j = n
            parts.append(s[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < n and (s[j].isalnum() or s[j] in "-_"):
                j += 1
            if j == i:
                if starts is not None:
                    starts.pop()
                break
            parts.append(s[i:j])
            i = j
        while i < n and s[i] in " \t":
            i += 1
        if i < n and s[i] == ".":
            i += 1
            continue
        break
    return parts, i


def _scan(text: str):
    """Yield (path tuple, line, key_col, value_col, segment columns) for every key and header of
    the document (a header's key and value column is its `[`)."""
    lines = text.split("\n")
    prefix: tuple = ()
    aot_counts: dict[tuple, int] = {}
    idx = 0
    while idx < len(lines):
        raw = lines[idx]
        line_no = idx + 1
        idx += 1
        stripped = raw.lstrip(" \t")
        lead = len(raw) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            is_aot = stripped.startswith("[[")
            start = lead + (2 if is_aot else 1)
            starts: list[int] = []
            parts, _ = _parse_key(raw, start, starts)
            prefix = tuple(parts)
            segs = [p + 1 for p in starts]
            if is_aot:
                n = aot_counts.get(prefix, -1) + 1
                aot_counts[prefix] = n
                yield prefix, line_no, lead + 1, lead + 1, segs
                prefix = prefix + (n,)
            else:
                yield prefix, line_no, lead + 1, lead + 1, segs
            continue
        starts = []
        parts, after = _parse_key(raw, lead, starts)
        if not parts or after >= len(raw) or raw[after] != "=":
            continue
        v = after + 1
        while v < len(raw) and raw[v] in " \t":
            v += 1
        path = prefix + tuple(parts)
        # Segment columns of the full path: the table's own are not on this line.
        segs = [None] * len(prefix) + [p + 1 for p in starts]
        yield path, line_no, lead + 1, v + 1, segs
        rest = raw[v:]
        # Skip the continuation lines of multi-line strings and arrays.
        for quote in ('"""', "'''"):
            if rest.startswith(quote) and rest.count(quote) < 2:
                while idx < len(lines) and quote not in lines[idx]:
                    idx += 1
                idx += 1
                break
        else:
            if rest.startswith("["):
                depth = _bracket_depth(rest)
                while depth > 0 and idx < len(lines):
                    depth += _bracket_depth(lines[idx])
                    idx += 1
            elif rest.startswith("{"):
                elements = _inline_positions(raw, v)
                for key, col in elements:
                    yield path + (key,), line_no, col, col, [None] * (len(path) + 1)


def _bracket_depth(s: str) -> int:
    depth = 0
    quote = None
    for ch in s:
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def _inline_positions(raw: str, start: int) -> list[tuple[str, int]]:
    """Top-level `key = value` value columns of a one-line inline table starting at raw[start]."""
    out = []
    i = start + 1
    n = len(raw)
    while i < n:
        while i < n and raw[i] in " \t,":
            i += 1
        if i >= n or raw[i] == "}":
            break
        parts, after = _parse_key(raw, i)
        if not parts or after >= n or raw[after] != "=":
            break
        v = after + 1
        while v < n and raw[v] in " \t":
            v += 1
        if len(parts) == 1:
            out.append((parts[0], v + 1))
        # skip the value
        depth = 0
        quote = None
        j = v
        while j < n:
            ch = raw[j]
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            j += 1
        i = j
    return out


def _array_element_col(line: str, value_col: int, index: int) -> int | None:
    """Column of element `index` of a one-line array whose `[` is at value_col."""
    i = value_col  # index just after '['
    n = len(line)
    count = 0
    depth = 0
    quote = None
    while i < n and line[i] in " \t":
        i += 1
    elem_start = i
    while i < n:
        ch = line[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0:
            if count == index:
                return elem_start + 1
            count += 1
            i += 1
            while i < n and line[i] in " \t":
                i += 1
            elem_start = i
            continue
        i += 1
    if count == index and elem_start < n:
        return elem_start + 1
    return None


def locate(text: str, path: tuple, key: bool = False) -> tuple[int, int]:
    """(line, column) of the value (or key) at `path`, as serde's spans put it: the first entry
    that is the path itself (its value, or its key with `key=True`; a `[table]` header: its `[`)
    or lies inside it (the column of the path's last key segment there); else the closest known
    ancestor; (1, 1) when nothing matches."""
    index = None
    if path and isinstance(path[-1], int):
        index = path[-1]
        path = path[:-1]
    path = tuple(path)
    best = None
    best_len = -1
    lines = None
    for p, line, key_col, value_col, segs in _scan(text):
        if p == path:
            if index is not None:
                lines = lines or text.split("\n")
                col = _array_element_col(lines[line - 1], value_col, index)
                if col is not None:
                    return line, col
            return line, key_col if key else value_col
        if path and len(p) > len(path) and p[: len(path)] == path:
            col = segs[len(path) - 1] if len(segs) >= len(path) else None
            if col is not None:
                return line, col
        if len(p) > best_len and path[: len(p)] == p:
            best = (line, key_col if key else value_col)
            best_len = len(p)
    return best or (1, 1)


def _span(line_text: str, col: int, message: str) -> int:
    rest = line_text[col - 1 :]
    if message == "duplicate key":
        if line_text.lstrip().startswith("[") and "]" in rest:
            return max(1, rest.index("]"))
        parts, after = _parse_key(rest, 0)
        return max(1, len(rest[:after].rstrip()))
    if message.startswith("string values must be quoted"):
        text = rest.split("#", 1)[0].rstrip()
        return max(1, len(text))
    return 1


def snippet(text: str, message: str, line: int, col: int, key: bool = False) -> str:
    """The annotated line: `{pad} |`, `{line} | text`, `{pad} | {carets}` (each ending in a
    newline); `key=True` underlines the key that starts at `col`."""
    lines = text.split("\n")
    line_text = lines[line - 1] if 0 < line <= len(lines) else ""
    pad = " " * len(str(line))
    if key:
        _, after = _parse_key(line_text, col - 1)
        width = max(1, len(line_text[col - 1 : after].rstrip()))
    else:
        width = _span(line_text, col, message)
    return f"{pad} |\n{line} | {line_text}\n{pad} | {' ' * (col - 1)}{'^' * width}\n"


def parse_error_report(text: str, message: str, line: int, col: int) -> str:
    """toml_edit's `Display` of a parse error (ends with a newline)."""
    lines = text.split("\n")
    line_text = lines[line - 1] if 0 < line <= len(lines) else ""
    pad = " " * len(str(line))
    carets = "^" * _span(line_text, col, message)
    return (
        f"TOML parse error at line {line}, column {col}\n"
        f"{pad} |\n"
        f"{line} | {line_text}\n"
        f"{pad} | {' ' * (col - 1)}{carets}\n"
        f"{message}\n"
    )

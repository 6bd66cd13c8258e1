"""A seeded generator of apply_patch cases (file trees + patches + invocations).

Used by tests/parity/test_apply_patch_fuzz.py to compare ours with the reference. Every case is
in the JSON encoding of `harness.py` (without the expected outcome). The mix aims at the places
where a port goes wrong: near-miss context (trailing/leading whitespace, typographic
punctuation, one changed character), CRLF files and patches, empty files and files without a
final newline, invalid UTF-8, `*** End of File`, moves (onto new dirs, existing files, itself),
deletes of files / directories / missing paths, and broken envelopes and hunks.
"""

from __future__ import annotations

import base64
import random

WORDS = [
    "foo", "bar", "baz", "qux", "alpha", "beta", "gamma", "delta", "x = 1", "return x",
    "def main():", "class A:", "import os", "}", "{", "fn f() {", "let y = 2;", "#", "//", "*",
    "naïve café", "✅ done", "über", "日本語", "end",
]
PUNCT_SWAPS = [
    ("-", "\u2013"), ("-", "\u2014"), ("-", "\u2011"), ("-", "\u2212"), ("'", "\u2019"),
    ("'", "\u2018"), ('"', "\u201c"), ('"', "\u201d"), (" ", "\u00a0"), (" ", "\u3000"),
    (" ", "\u2009"), (" ", "\u202f"),
]
ODD_SPACE = [" ", "  ", "\t", "\u00a0", "\u3000", "\u2003", "\x0b", "\x0c", "\x85", "\u2028", "\x1c", "\x1f", "\u200b"]
PATHS = [
    "a.txt", "b.txt", "c.md", "dir/d.txt", "dir/sub/e.py", "deep/er/f.rs", "ünï.txt", "sp ace.txt",
    "dir/g.txt", "h", "x/y/z/w.txt",
]
NEW_PATHS = ["new.txt", "dir/new2.txt", "fresh/dir/n.txt", "a.txt", "dir/d.txt", "ñew.txt", "n e w.txt"]


def _line(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.08:
        return ""
    if r < 0.13:
        return rng.choice(ODD_SPACE) * rng.randint(1, 2)
    parts = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
    text = " ".join(parts)
    if rng.random() < 0.25:
        text = rng.choice(["    ", "\t", "  ", "\u3000"]) + text
    if rng.random() < 0.15:
        text = text + rng.choice(ODD_SPACE)
    if rng.random() < 0.15:
        text = text.replace(" ", rng.choice(["-", "'", '"']), 1)
    if rng.random() < 0.1:
        a, b = rng.choice(PUNCT_SWAPS)
        text = text.replace(a, b)
    return text


def _file_lines(rng: random.Random) -> list[str]:
    n = rng.choice([0, 1, 2, 3, 5, 8, 12, 20])
    lines = [_line(rng) for _ in range(n)]
    if n > 4 and rng.random() < 0.3:  # repeated blocks make seeking ambiguous
        i = rng.randrange(n - 2)
        lines[i + 1:i + 1] = lines[max(0, i - 2):i + 1]
    return lines


def _join(rng: random.Random, lines: list[str]) -> tuple[bytes, str]:
    """File bytes for `lines` plus a tag of the layout used."""
    nl = "\r\n" if rng.random() < 0.15 else "\n"
    r = rng.random()
    if not lines:
        return (b"" if r < 0.7 else nl.encode()), "empty"
    text = nl.join(lines)
    if r < 0.75:
        text += nl
    elif r < 0.85:
        text += nl + nl
    # else: no final newline
    data = text.encode("utf-8")
    if rng.random() < 0.03:
        data = data[: len(data) // 2] + rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f"]) + data[len(data) // 2:]
    return data, nl


def _near_miss(rng: random.Random, line: str) -> str:
    r = rng.random()
    if r < 0.2:
        return line + rng.choice([" ", "  ", "\t", "\u00a0"])
    if r < 0.35:
        return rng.choice([" ", "\t", "  "]) + line
    if r < 0.5:
        return "  " + line.strip() + " "
    if r < 0.7:
        for a, b in PUNCT_SWAPS:
            if b in line:
                return line.replace(b, a)
            if a in line and rng.random() < 0.5:
                return line.replace(a, b)
        return line + "-"
    if r < 0.85 and line:
        i = rng.randrange(len(line))
        return line[:i] + "Z" + line[i + 1:]
    return line.rstrip()


def _update_body(rng: random.Random, lines: list[str]) -> list[str]:
    """Chunk lines for an update of a file with `lines` (may be deliberately wrong)."""
    out: list[str] = []
    n = len(lines)
    pos = 0
    nchunks = rng.choice([1, 1, 1, 2, 2, 3])
    for c in range(nchunks):
        kind = rng.random()
        header_kind = rng.random()
        if n == 0 or kind < 0.08:
            # pure addition
            header = "@@" if header_kind < 0.8 or not n else "@@ " + rng.choice(lines)
            if c > 0 or rng.random() < 0.8:
                out.append(header)
            out.extend("+" + _line(rng) for _ in range(rng.randint(1, 3)))
            if rng.random() < 0.3:
                out.append("*** End of File")
            continue
        if pos >= n:
            pos = rng.randrange(n)
        start = rng.randrange(pos, n) if rng.random() < 0.85 else rng.randrange(n)
        before = rng.randint(0, min(2, start))
        ctx_start = start - before
        length = rng.randint(0, min(3, n - start))
        after = rng.randint(0, min(2, n - start - length))
        if length == 0 and before == 0 and after == 0:
            length = 1 if start < n else 0
        old = lines[ctx_start:start + length + after]
        body: list[str] = []
        for line in lines[ctx_start:start]:
            body.append(" " + line)
        for line in lines[start:start + length]:
            body.append("-" + line)
        for _ in range(rng.choice([0, 1, 1, 2])):
            body.append("+" + _line(rng))
        for line in lines[start + length:start + length + after]:
            body.append(" " + line)
        if not body:
            body.append("+" + _line(rng))
        if rng.random() < 0.15 and old:
            # near miss on one context/removed line
            i = rng.randrange(len(body))
            if body[i][:1] in (" ", "-"):
                body[i] = body[i][0] + _near_miss(rng, body[i][1:])
        if rng.random() < 0.05:
            body.insert(rng.randrange(len(body) + 1), "")  # an empty line = empty context line
        if rng.random() < 0.04:
            body.insert(rng.randrange(len(body) + 1), rng.choice(
                ["\\ No newline at end of file", "#comment", "+", "-", " ", "@@ ", " @@", "*** End of File ", "\t-x"]))
        # header
        if header_kind < 0.55 or ctx_start == 0:
            header = "@@"
        elif header_kind < 0.85:
            header = "@@ " + lines[rng.randrange(0, max(1, ctx_start))]
        elif header_kind < 0.92:
            header = "@@ " + _near_miss(rng, lines[rng.randrange(0, max(1, ctx_start))])
        else:
            header = "@@ no such context line"
        if c == 0 and rng.random() < 0.15:
            pass  # first chunk may omit its @@ line
        else:
            if rng.random() < 0.03:
                header = rng.choice([header + " ", " " + header, "@@@", "@@ @@"])
            out.append(header)
        out.extend(body)
        end = start + length + after
        if (end == n and rng.random() < 0.5) or rng.random() < 0.05:
            out.append("*** End of File")
        if rng.random() < 0.1:
            out.append(rng.choice(["", "  ", "\t"]))  # blank separator between chunks
        pos = end
    return out


def _path(rng: random.Random, existing: list[str], p_existing: float = 0.7) -> str:
    if existing and rng.random() < p_existing:
        p = rng.choice(existing)
    else:
        p = rng.choice(NEW_PATHS)
    r = rng.random()
    if r < 0.05:
        return "./" + p
    if r < 0.08:
        return "dir/../" + p
    if r < 0.12:
        return "<CWD>/" + p
    return p


def make_case(rng: random.Random, index: int) -> dict:
    files: dict = {}
    texts: dict[str, list[str]] = {}
    for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])):
        p = rng.choice(PATHS)
        if any(p.startswith(q + "/") or q.startswith(p + "/") for q in files):
            continue
        lines = _file_lines(rng)
        data, _ = _join(rng, lines)
        try:
            files[p] = data.decode("utf-8")
        except UnicodeDecodeError:
            files[p] = {"b64": base64.b64encode(data).decode("ascii")}
        texts[p] = [ln.rstrip("\r") for ln in data.decode("utf-8", "replace").split("\n")]
        if texts[p] and texts[p][-1] == "":
            texts[p].pop()
    if rng.random() < 0.05:
        files["adir/inner.txt"] = "inner\n"
    if texts and rng.random() < 0.08:
        target = rng.choice(list(texts))
        files["link.txt"] = {"symlink": target}
        texts["link.txt"] = texts[target]
    if rng.random() < 0.04:
        files[rng.choice(["dangling", "dir/dangling.txt"])] = {"symlink": "nowhere"}
    if rng.random() < 0.03:
        files["dlink"] = {"symlink": "adir" if "adir/inner.txt" in files else "."}
    existing = list(texts)

    hunks: list[str] = []
    for _ in range(rng.choice([0, 1, 1, 1, 1, 2, 2, 2, 3, 4])):
        r = rng.random()
        if r < 0.2:
            path = _path(rng, existing)
            hunks.append("*** Add File: " + path)
            hunks.extend("+" + _line(rng) for _ in range(rng.choice([0, 1, 2, 3, 5])))
        elif r < 0.32:
            choice = rng.random()
            if choice < 0.7 and existing:
                path = _path(rng, existing)
            elif choice < 0.8:
                path = "adir"
            else:
                path = rng.choice(["missing.txt", "dir/missing.txt", "nope/x.txt"])
            hunks.append("*** Delete File: " + path)
        elif r < 0.9:
            if existing and rng.random() < 0.97:
                src = rng.choice(existing)
                lines = texts[src]
                path = _path(rng, [src], 0.96)
            else:
                path = rng.choice(["missing.txt", "adir", "nope/x.txt"])
                lines = ["a", "b"]
            hunks.append("*** Update File: " + path)
            if rng.random() < 0.2:
                dest = rng.choice(NEW_PATHS + existing + [path, "moved/deep/m.txt", "m.txt  "])
                hunks.append("*** Move to: " + dest)
            if rng.random() < 0.03:
                pass  # an update without chunks
            else:
                hunks.extend(_update_body(rng, lines))
        elif r < 0.95:
            hunks.append(rng.choice([
                "*** Frobnicate File: x", "garbage line", "", "+stray add line", "*** Add File:",
                "*** Update File:", "@@", "*** End of File", "*** Delete File:  spaced.txt ",
                "*** add file: lower.txt", "***Add File: tight.txt", "*** Add File:   lead.txt",
                "\ufeff*** Add File: bom.txt", "*** Move to: nowhere.txt",
            ]))
        else:
            # Sequences on one path: delete then add, add then update, move then update.
            p = _path(rng, existing) if existing else "seq.txt"
            kind = rng.random()
            if kind < 0.33:
                hunks += ["*** Delete File: " + p, "*** Add File: " + p, "+again"]
            elif kind < 0.66:
                hunks += ["*** Add File: " + p, "+one", "+two", "*** Update File: " + p, "@@", "-one", "+ONE"]
            else:
                hunks += ["*** Add File: " + p, "+x", "*** Update File: " + p, "*** Move to: moved.txt", "@@", "-x", "+y",
                          "*** Update File: moved.txt", "@@", "-y", "+z"]

    body = ["*** Begin Patch", *hunks, "*** End Patch"]
    env = rng.random() * 1.6
    if env < 0.04:
        body = body[:-1]
    elif env < 0.07:
        body = body[1:]
    elif env < 0.10:
        body[0] = "  " + body[0] + " "
        body[-1] = "\t" + body[-1] + "  "
    elif env < 0.13:
        body = [rng.choice(["<<EOF", "<<'EOF'", '<<"EOF"', "<<'EOF\"", "<< EOF"]), *body, rng.choice(["EOF", "  EOF", "XEOF"])]
    elif env < 0.15:
        body = body + ["trailing junk"]
    elif env < 0.17:
        body.insert(rng.randrange(1, len(body)), "*** End Patch")
    elif env < 0.19:
        body = [] if rng.random() < 0.5 else ["*** Begin Patch"]

    sep = "\r\n" if rng.random() < 0.08 else "\n"
    if body and rng.random() < 0.04:
        patch = "".join(line + rng.choice(["\n", "\r\n", "\n", "\r\r\n"]) for line in body[:-1]) + body[-1]
    else:
        patch = sep.join(body)
    r = rng.random()
    if r < 0.6:
        patch += sep
    elif r < 0.7:
        patch = rng.choice(["\n\n", "  ", "\t\n"]) + patch + rng.choice(["\n\n", "  \n", "\u3000"])

    inv = rng.random()
    case = {"name": f"fuzz-{index}", "files": files}
    if inv < 0.8:
        case["args"] = [patch]
        case["stdin"] = None
    elif inv < 0.93:
        case["args"] = []
        case["stdin"] = patch
    elif inv < 0.96:
        case["args"] = [patch, rng.choice(["extra", "", "--help"])]
        case["stdin"] = None
    elif inv < 0.98:
        case["args"] = []
        case["stdin"] = rng.choice(["", {"b64": base64.b64encode(b"*** Begin Patch\n\xff\n*** End Patch\n").decode()}])
    else:
        case["args"] = [rng.choice(["--help", "-h", "--version", ""])]
        case["stdin"] = None
    if any("\x00" in a for a in case["args"]):
        case["args"] = [a.replace("\x00", "") for a in case["args"]]
    return case


def make_cases(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    return [make_case(rng, i) for i in range(count)]

"""Ignore rules as the reference walker applies them (ripgrep's `ignore` crate, as configured by
codex 0.136.0's file search: hidden files shown, `.git` not skipped, symlinks followed,
`require_git` on).

Sources, in precedence order (the first that has an opinion about a path decides):

1. `.ignore` files in the directory and every parent up to the file-system root (nearest first);
2. `.gitignore` files likewise, but only inside a git repository (some parent holds `.git`),
   and not above the nearest repository root (a nested repository starts afresh);
3. the repository's `.git/info/exclude` (worktrees: `<commondir>/info/exclude`), same scope;
4. the global excludes file: `core.excludesFile` from `$GIT_CONFIG_GLOBAL`, `~/.gitconfig` or
   `$XDG_CONFIG_HOME/git/config` (default `~/.config/git/ignore`), inside a repository only.

Within one file the last matching line wins; `!` lines re-include. Patterns follow gitignore
(anchoring by a slash, `dir/` for directories only, `**`, `?`, `[...]`, `\\` escapes, trailing
spaces trimmed unless escaped) with globset's extras (`{a,b}` alternation). Matching is
case-sensitive.

For speed every pattern is classified once (a literal name, `*suffix`, `prefix*`, a name glob, a
path glob at a fixed depth, or a `**` path glob), and every directory gets a `DirFilter` whose
quick test (a set lookup, `str.endswith`/`startswith` with tuples, at most two regexes) rejects
almost every entry before the exact, order-respecting evaluation runs.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

CAT_IGNORE, CAT_GITIGNORE, CAT_EXCLUDE, CAT_GLOBAL = range(4)

_META = set("*?[{\\")


def _glob_to_regex(glob: str) -> str:
    """globset semantics with literal_separator and backslash escapes (no anchors added)."""
    out: list[str] = []
    i = 0
    n = len(glob)
    in_alt = 0
    while i < n:
        c = glob[i]
        if c == "\\":
            if i + 1 < n:
                out.append(re.escape(glob[i + 1]))
                i += 2
            else:
                out.append(re.escape("\\"))
                i += 1
            continue
        if c == "*":
            if i + 1 < n and glob[i + 1] == "*":
                at_start = i == 0 or glob[i - 1] == "/"
                j = i + 2
                at_end = j == n or glob[j] == "/"
                if at_start and at_end:
                    if i == 0 and j == n:
                        out.append(".*")
                    elif i == 0:                   # **/
                        out.append("(?:/?|.*/)")
                        j += 1
                    elif j == n:                   # /**
                        out.pop()                  # the '/' before
                        out.append("/.*")
                    else:                          # /**/
                        out.pop()
                        out.append("(?:/|/.*/)")
                        j += 1
                    i = j
                    continue
                out.append("[^/]*[^/]*")
                i += 2
                continue
            out.append("[^/]*")
            i += 1
            continue
        if c == "?":
            out.append("[^/]")
            i += 1
            continue
        if c == "[":
            j = i + 1
            negate = False
            if j < n and glob[j] in "!^":
                negate = True
                j += 1
            k = j
            if k < n and glob[k] == "]":
                k += 1
            while k < n and glob[k] != "]":
                k += 1
            if k >= n:                              # unclosed: a literal '['
                out.append(re.escape("["))
                i += 1
                continue
            body = glob[j:k]
            items = []
            p = 0
            while p < len(body):
                if p + 2 < len(body) and body[p + 1] == "-":
                    items.append(re.escape(body[p]) + "-" + re.escape(body[p + 2]))
                    p += 3
                else:
                    items.append(re.escape(body[p]))
                    p += 1
            out.append("[" + ("^" if negate else "") + "".join(items) + "]")
            i = k + 1
            continue
        if c == "{" and not in_alt:
            in_alt += 1
            out.append("(?:")
            i += 1
            continue
        if c == "," and in_alt:
            out.append("|")
            i += 1
            continue
        if c == "}" and in_alt:
            in_alt -= 1
            out.append(")")
            i += 1
            continue
        out.append(re.escape(c))
        i += 1
    if in_alt:
        return _glob_to_regex(glob.replace("{", "\\{"))
    return "".join(out)


@lru_cache(maxsize=2048)
def _compile(glob: str) -> re.Pattern:
    return re.compile(_glob_to_regex(glob), re.DOTALL)


class Rule:
    """One gitignore line."""

    __slots__ = ("whitelist", "only_dir", "kind", "mode", "arg", "regex", "depth", "dir_regex",
                 "prefix", "line")

    NAME, FIXED, DEEP = range(3)

    def __init__(self, line: str, whitelist: bool, only_dir: bool, glob: str, anchored: bool):
        self.line = line
        self.whitelist = whitelist
        self.only_dir = only_dir
        self.depth = 0
        self.dir_regex = None
        self.prefix = ""
        if not anchored and "/" not in glob:
            self.kind = Rule.NAME
            self._name_test(glob)
        elif "**" in glob:
            self.kind = Rule.DEEP
            self.regex = _compile(glob)
            lit = []
            for ch in glob:
                if ch in _META:
                    break
                lit.append(ch)
            self.prefix = "".join(lit)
            self.mode = "re"
            self.arg = None
        else:
            self.kind = Rule.FIXED
            head, _, last = glob.rpartition("/")
            self.depth = head.count("/") + 1 if head else 0
            self.dir_regex = _compile(head) if head else None
            self._name_test(last)

    def _name_test(self, glob: str) -> None:
        self.regex = None
        if not (_META & set(glob)):
            self.mode, self.arg = "lit", glob
        elif glob.startswith("*") and not (_META & set(glob[1:])):
            self.mode, self.arg = "suffix", glob[1:]
        elif glob.endswith("*") and not (_META & set(glob[:-1])):
            self.mode, self.arg = "prefix", glob[:-1]
        elif glob == "**":
            self.mode, self.arg = "suffix", ""
        else:
            self.mode, self.arg = "re", None
            self.regex = _compile(glob)

    def name_matches(self, name: str) -> bool:
        mode = self.mode
        if mode == "lit":
            return name == self.arg
        if mode == "suffix":
            return name.endswith(self.arg)
        if mode == "prefix":
            return name.startswith(self.arg)
        return self.regex.fullmatch(name) is not None

    def __repr__(self) -> str:
        return f"Rule({self.line!r})"


def parse_line(line: str) -> Rule | None:
    """ignore crate `GitignoreBuilder::add_line`."""
    if line.startswith("#"):
        return None
    if not line.endswith("\\ "):
        line = line.rstrip()
    if not line:
        return None
    original = line
    whitelist = False
    anchored = False
    if line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
        anchored = line.startswith("/")
    else:
        if line.startswith("!"):
            whitelist = True
            line = line[1:]
        if line.startswith("/"):
            line = line[1:]
            anchored = True
    only_dir = False
    if line.endswith("/"):
        only_dir = True
        line = line[:-1]
        if line.endswith("\\"):
            line = line[:-1]
    glob = line
    if (anchored or "/" in glob) and glob.endswith("/**"):
        glob += "/*"          # everything inside, not the directory itself
    if not glob:
        return None
    try:
        return Rule(original, whitelist, only_dir, glob, anchored)
    except re.error:
        return None


class IgnoreFile:
    """The rules of one ignore file, matched relative to `base` (its directory)."""

    __slots__ = ("path", "rules", "name_rules", "fixed_by_depth", "deep_rules", "max_fixed_depth")

    def __init__(self, path: str, text: str):
        self.path = path
        rules = []
        for i, line in enumerate(text.splitlines()):
            if i == 0 and line.startswith("\ufeff"):
                line = line[1:]
            r = parse_line(line)
            if r is not None:
                rules.append(r)
        self.rules = rules
        self.name_rules = [r for r in rules if r.kind == Rule.NAME]
        self.fixed_by_depth: dict[int, list[Rule]] = {}
        for r in rules:
            if r.kind == Rule.FIXED:
                self.fixed_by_depth.setdefault(r.depth, []).append(r)
        self.deep_rules = [r for r in rules if r.kind == Rule.DEEP]
        self.max_fixed_depth = max(self.fixed_by_depth, default=-1)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def relevant(self, sub: str) -> tuple[tuple[Rule, ...], bool]:
        """The rules that can match an entry of the directory `sub` (relative to this file's
        directory, '' for the directory itself), in file order, and whether they depend on
        `sub` (fixed-depth or `**` rules; otherwise the same tuple is returned every time)."""
        if self.max_fixed_depth < 0 and not self.deep_rules:
            return self.name_rules, False
        depth = sub.count("/") + 1 if sub else 0
        fixed = self.fixed_by_depth.get(depth)
        if not fixed and not self.deep_rules:
            return self.name_rules, False
        keep = set(map(id, self.name_rules))
        if fixed:
            for r in fixed:
                if r.dir_regex is None or r.dir_regex.fullmatch(sub):
                    keep.add(id(r))
        subslash = sub + "/" if sub else ""
        for r in self.deep_rules:
            if subslash.startswith(r.prefix) or r.prefix.startswith(subslash):
                keep.add(id(r))
        return tuple(r for r in self.rules if id(r) in keep), True

    def relevant_absolute(self) -> tuple[Rule, ...]:
        """Rules that can match an absolute path (the global excludes file: name rules and
        `**/...` rules; anchored ones cannot match a path that starts with '/')."""
        return tuple(r for r in self.rules if r.kind == Rule.NAME or (r.kind == Rule.DEEP and not r.prefix))

    @classmethod
    def load(cls, path: str) -> "IgnoreFile | None":
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        return cls(path, data.decode("utf-8", "replace"))


class DirFilter:
    """Decides for the entries of one directory whether they are ignored."""

    __slots__ = ("names", "suffixes", "prefixes", "name_re", "deep", "chain", "empty")

    def __init__(self, chain: list[tuple[str, tuple[Rule, ...]]]):
        # chain: (sub_prefix, rules) per ignore file in precedence order; sub_prefix is the
        # directory relative to the file's directory plus '/', or '' for the file's own directory
        self.chain = [(sp, tuple(reversed(rules))) for sp, rules in chain if rules]
        names: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[str] = []
        name_globs: list[str] = []
        deep: list[tuple[str, re.Pattern]] = []
        for sp, rules in self.chain:
            for r in rules:
                if r.kind == Rule.DEEP:
                    deep.append((sp, r.regex))
                elif r.mode == "lit":
                    names.add(r.arg)
                elif r.mode == "suffix":
                    suffixes.append(r.arg)
                elif r.mode == "prefix":
                    prefixes.append(r.arg)
                else:
                    name_globs.append(r.regex.pattern)
        self.names = frozenset(names)
        self.suffixes = tuple(dict.fromkeys(suffixes))
        self.prefixes = tuple(dict.fromkeys(prefixes))
        self.name_re = re.compile("|".join(f"(?:{p})" for p in name_globs), re.DOTALL) if name_globs else None
        self.deep = deep
        self.empty = not self.chain

    def ignored(self, name: str, is_dir: bool) -> bool:
        if self.empty:
            return False
        if not (name in self.names or name.endswith(self.suffixes) or name.startswith(self.prefixes)
                or (self.name_re is not None and self.name_re.fullmatch(name) is not None)):
            if not self.deep:
                return False
            for sp, rx in self.deep:
                if rx.fullmatch(sp + name) is not None:
                    break
            else:
                return False
        for sp, rules in self.chain:
            for r in rules:
                if r.only_dir and not is_dir:
                    continue
                if r.kind == Rule.DEEP:
                    hit = r.regex.fullmatch(sp + name) is not None
                else:
                    hit = r.name_matches(name)
                if hit:
                    return not r.whitelist
        return False


EMPTY_FILTER = DirFilter([])


class Frame:
    """Ignore state of one directory: its own ignore files plus its parent's frame. Directories
    without ignore files of their own share their parent's frame."""

    __slots__ = ("parent", "rel", "abs_base", "ignore", "gitignore", "exclude", "has_git", "any_git",
                 "_sources", "_filters", "_static")

    def __init__(self, parent: "Frame | None", rel: str | None, abs_base: str | None,
                 ignore: IgnoreFile | None = None, gitignore: IgnoreFile | None = None,
                 exclude: IgnoreFile | None = None, has_git: bool = False):
        self.parent = parent
        self.rel = rel              # directory relative to the search root; None above the root
        self.abs_base = abs_base    # above the root: the search root relative to this directory
        self.ignore = ignore or None
        self.gitignore = gitignore or None
        self.exclude = exclude or None
        self.has_git = has_git
        self.any_git = has_git or (parent.any_git if parent is not None else False)
        self._sources = None
        self._filters: dict = {}
        self._static = None

    def child(self, rel: str, ignore: IgnoreFile | None, gitignore: IgnoreFile | None,
              exclude: IgnoreFile | None, has_git: bool) -> "Frame":
        if ignore or gitignore or exclude or has_git:
            return Frame(self, rel, None, ignore, gitignore, exclude, has_git)
        return self

    def sources(self, require_git: bool) -> list[tuple[IgnoreFile, "Frame"]]:
        """(file, frame) for every ignore file that applies below this frame, in precedence
        order: .ignore files nearest first, then .gitignore files and then exclude files up to
        the nearest repository root (only inside a repository when `require_git`)."""
        if self._sources is None:
            ig, gi, ex = [], [], []
            saw_git = False
            f: Frame | None = self
            while f is not None:
                if f.ignore is not None:
                    ig.append((f.ignore, f))
                if not saw_git:
                    if f.gitignore is not None:
                        gi.append((f.gitignore, f))
                    if f.exclude is not None:
                        ex.append((f.exclude, f))
                saw_git = saw_git or f.has_git
                f = f.parent
            any_git = self.any_git or not require_git
            self._sources = ig + (gi + ex if any_git else [])
        return self._sources


class Rules:
    """The ignore rules of one walk: frames per directory and the global excludes."""

    def __init__(self, root: str, global_file: IgnoreFile | None, require_git: bool = True):
        self.root = root.rstrip("/") or "/"
        self.global_file = global_file or None
        self.global_rules = self.global_file.relevant_absolute() if self.global_file else ()
        self.require_git = require_git

    def filter_for(self, frame: Frame, dir_rel: str) -> DirFilter:
        """The filter for the entries of directory `dir_rel` (relative to the root), whose
        nearest frame is `frame`."""
        if frame._static is not None:
            return frame._static
        sources = frame.sources(self.require_git)
        key = []
        chain = []
        dynamic = False
        for ifile, f in sources:
            if f.rel is None:
                sub = f.abs_base + "/" + dir_rel if dir_rel else f.abs_base
            elif not f.rel:
                sub = dir_rel
            else:
                sub = dir_rel[len(f.rel) + 1:]
            rules, dyn = ifile.relevant(sub)
            if dyn:
                dynamic = True
                deep = any(r.kind == Rule.DEEP for r in rules)
                key.append((tuple(map(id, rules)), sub if deep else None))
            else:
                key.append(id(rules))
            chain.append((sub + "/" if sub else "", rules))
        use_global = self.global_rules and (frame.any_git or not self.require_git)
        if use_global:
            absdir = self.root + "/" + dir_rel if dir_rel else self.root
            if any(r.kind == Rule.DEEP for r in self.global_rules):
                dynamic = True
                key.append(absdir)
            chain.append((absdir.rstrip("/") + "/", self.global_rules))
        if not dynamic and not self._frame_may_vary(frame, sources):
            frame._static = DirFilter(chain) if chain else EMPTY_FILTER
            return frame._static
        k = tuple(key)
        cached = frame._filters.get(k)
        if cached is None:
            cached = DirFilter(chain) if chain else EMPTY_FILTER
            if len(frame._filters) < 4096:
                frame._filters[k] = cached
        return cached

    @staticmethod
    def _frame_may_vary(frame: Frame, sources) -> bool:
        """Whether some file of the frame has fixed-depth or `**` rules (then the filter depends
        on the directory, not only on the frame)."""
        return any(ifile.max_fixed_depth >= 0 or ifile.deep_rules for ifile, _ in sources)


# ---------------------------------------------------------------------------------------------
# global excludes

_EXCLUDES_RE = re.compile(rb'(?im)^\s*excludesfile\s*=\s*"?\s*(\S+?)\s*"?\s*$')


def _home() -> str | None:
    return os.environ.get("HOME") or None


def _parse_excludes_file(data: bytes) -> str | None:
    m = _EXCLUDES_RE.search(data)
    if m is None:
        return None
    try:
        s = m.group(1).decode("utf-8")
    except UnicodeDecodeError:
        return None
    home = _home()
    return s.replace("~", home) if home is not None else s


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def global_excludes_path() -> str | None:
    """ignore crate `gitconfig_excludes_path`."""
    env = os.environ.get("GIT_CONFIG_GLOBAL")
    if env:
        data = _read(env)
        if data is not None:
            p = _parse_excludes_file(data)
            if p:
                return p
    home = _home()
    if home:
        data = _read(os.path.join(home, ".gitconfig"))
        if data is not None:
            p = _parse_excludes_file(data)
            if p:
                return p
    xdg = os.environ.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else None)
    if xdg:
        data = _read(os.path.join(xdg, "git", "config"))
        if data is not None:
            p = _parse_excludes_file(data)
            if p:
                return p
        return os.path.join(xdg, "git", "ignore")
    return None


def load_global() -> IgnoreFile | None:
    path = global_excludes_path()
    if not path or not os.path.isfile(path):
        return None
    f = IgnoreFile.load(path)
    return f if f else None


def exclude_path_for(dir_abs: str, git_is_file: bool) -> str:
    """The `info/exclude` of the repository whose `.git` is in `dir_abs`."""
    git = os.path.join(dir_abs, ".git")
    if not git_is_file:
        return os.path.join(git, "info", "exclude")
    data = _read(git)
    if not data:
        return os.path.join(git, "info", "exclude")
    line = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    if not line.startswith("gitdir: "):
        return os.path.join(git, "info", "exclude")
    gitdir = os.path.join(dir_abs, line[len("gitdir: "):].strip())
    common = _read(os.path.join(gitdir, "commondir"))
    if common:
        gitdir = os.path.join(gitdir, common.decode("utf-8", "replace").strip())
    return os.path.join(gitdir, "info", "exclude")

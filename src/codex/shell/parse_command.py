"""Human-readable summaries of a command (upstream `shell-command/src/parse_command.rs`).

`parse_command(argv) -> list[dict]`: ParsedCommand values in upstream's serde shape
(internally tagged, snake_case):

    {"type": "read", "cmd": str, "name": str, "path": str}
    {"type": "list_files", "cmd": str, "path": str | None}
    {"type": "search", "cmd": str, "query": str | None, "path": str | None}
    {"type": "unknown", "cmd": str}

The app-server's `commandActions` are these with `cmd` renamed `command` (`to_command_actions`).
Examples: `["bash", "-lc", "ls -1"]` -> `[{"type": "list_files", "cmd": "ls -1", "path": None}]`;
`["bash", "-lc", "echo hello > hello.txt && cat hello.txt"]` -> one unknown with the whole script.
"""

from __future__ import annotations

from codex.execpolicy._rust import QuoteError, shlex_split, shlex_try_join
from codex.shell.bash import ShellType, detect_shell_type, extract_bash_command, try_parse_shell, \
    try_parse_word_only_commands_sequence

__all__ = [
    "extract_powershell_command",
    "extract_shell_command",
    "parse_command",
    "parse_command_impl",
    "shlex_join",
    "to_command_actions",
]

_CONNECTORS = ("&&", "||", "|", ";")


# -- ParsedCommand constructors -------------------------------------------------------------------

def _read(cmd: str, name: str, path: str) -> dict:
    return {"type": "read", "cmd": cmd, "name": name, "path": path}


def _list_files(cmd: str, path: str | None) -> dict:
    return {"type": "list_files", "cmd": cmd, "path": path}


def _search(cmd: str, query: str | None, path: str | None) -> dict:
    return {"type": "search", "cmd": cmd, "query": query, "path": path}


def _unknown(cmd: str) -> dict:
    return {"type": "unknown", "cmd": cmd}


def to_command_actions(parsed: list[dict], cwd: str | None = None) -> list[dict]:
    """The app-server v2 `CommandAction` shape: `cmd` -> `command`, `list_files` -> `listFiles`;
    a read's relative path is joined onto `cwd` when given (as the app-server does)."""
    out = []
    for pc in parsed:
        action = {"type": {"list_files": "listFiles"}.get(pc["type"], pc["type"]), "command": pc["cmd"]}
        for key in ("name", "path", "query"):
            if key in pc:
                action[key] = pc[key]
        if pc["type"] == "read" and cwd is not None:
            action["path"] = _join_paths(cwd, pc["path"])
        out.append(action)
    return out


# -- helpers --------------------------------------------------------------------------------------

def shlex_join(tokens: list[str]) -> str:
    try:
        return shlex_try_join(tokens)
    except QuoteError:
        return "<command included NUL byte>"


_POWERSHELL_FLAGS = ("-nologo", "-noprofile", "-command", "-c")


def extract_powershell_command(command: list[str]) -> tuple[str, str] | None:
    """(shell, script) of `pwsh|powershell [-NoLogo] [-NoProfile] -Command|-c SCRIPT`."""
    if len(command) < 3:
        return None
    shell = command[0]
    if detect_shell_type(shell) != ShellType.POWERSHELL:
        return None
    i = 1
    while i + 1 < len(command):
        flag = command[i]
        if flag.lower() not in _POWERSHELL_FLAGS:
            return None
        if flag.lower() in ("-command", "-c"):
            return shell, command[i + 1]
        i += 1
    return None


def extract_shell_command(command: list[str]) -> tuple[str, str] | None:
    """The shell and script of a bash/zsh/sh or PowerShell wrapper."""
    return extract_bash_command(command) or extract_powershell_command(command)


def _is_digits(s: str) -> bool:
    return all("0" <= c <= "9" for c in s)


def parse_command(command: list[str]) -> list[dict]:
    """Summaries of `command`, consecutive duplicates collapsed; when any part is unknown, a single
    unknown holding the whole script (or the shlex-joined argv)."""
    command = list(command)
    deduped: list[dict] = []
    for cmd in parse_command_impl(command):
        if deduped and deduped[-1] == cmd:
            continue
        deduped.append(cmd)
    if any(cmd["type"] == "unknown" for cmd in deduped):
        return [_single_unknown_for_command(command)]
    return deduped


def _single_unknown_for_command(command: list[str]) -> dict:
    extracted = extract_shell_command(command)
    if extracted is not None:
        return _unknown(extracted[1])
    return _unknown(shlex_join(command))


def parse_command_impl(command: list[str]) -> list[dict]:
    commands = _parse_shell_lc_commands(command)
    if commands is not None:
        return commands
    ps = extract_powershell_command(command)
    if ps is not None:
        return [_unknown(ps[1])]
    normalized = _normalize_tokens(command)
    parts = _split_on_connectors(normalized) if _contains_connectors(normalized) else [normalized]
    out: list[dict] = []
    cwd: str | None = None
    for tokens in parts:
        if tokens and tokens[0] == "cd":
            d = _cd_target(tokens[1:])
            if d is not None:
                cwd = _join_paths(cwd, d) if cwd is not None else d
            continue
        parsed = _summarize_main_tokens(tokens)
        if parsed["type"] == "read" and cwd is not None:
            parsed = _read(parsed["cmd"], parsed["name"], _join_paths(cwd, parsed["path"]))
        out.append(parsed)
    while True:
        nxt = _simplify_once(out)
        if nxt is None:
            break
        out = nxt
    return out


def _first_token_is(cmd: str, word: str) -> bool:
    tokens = shlex_split(cmd)
    return tokens is not None and bool(tokens) and tokens[0] == word


def _simplify_once(commands: list[dict]) -> list[dict] | None:
    if len(commands) <= 1:
        return None
    # echo ... && ...rest => ...rest
    first = commands[0]
    if first["type"] == "unknown" and _first_token_is(first["cmd"], "echo"):
        return commands[1:]
    # cd foo && [any command] => [any command]
    for idx, pc in enumerate(commands):
        if pc["type"] == "unknown" and _first_token_is(pc["cmd"], "cd"):
            if len(commands) > idx + 1:
                return commands[:idx] + commands[idx + 1:]
            break
    # cmd || true => cmd
    for idx, pc in enumerate(commands):
        if pc["type"] == "unknown" and pc["cmd"] == "true":
            return commands[:idx] + commands[idx + 1:]
    # nl -[any_flags] && ...rest => ...rest
    for idx, pc in enumerate(commands):
        if pc["type"] == "unknown":
            tokens = shlex_split(pc["cmd"])
            if tokens and tokens[0] == "nl" and all(t.startswith("-") for t in tokens[1:]):
                return commands[:idx] + commands[idx + 1:]
    return None


def _is_valid_sed_n_arg(arg: str | None) -> bool:
    if arg is None or not arg.endswith("p"):
        return False
    parts = arg[:-1].split(",")
    if len(parts) not in (1, 2):
        return False
    return all(p and _is_digits(p) for p in parts)


def _sed_read_path(args: list[str]) -> str | None:
    args = _trim_at_connector(args)
    if "-n" not in args:
        return None
    has_range_script = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-e", "--expression"):
            if _is_valid_sed_n_arg(args[i + 1] if i + 1 < len(args) else None):
                has_range_script = True
            i += 2
            continue
        if arg in ("-f", "--file"):
            i += 2
            continue
        i += 1
    if not has_range_script:
        has_range_script = any(not a.startswith("-") and _is_valid_sed_n_arg(a) for a in args)
    if not has_range_script:
        return None
    non_flags = [a for a in _skip_flag_values(args, ("-e", "-f", "--expression", "--file")) if not a.startswith("-")]
    if not non_flags:
        return None
    if _is_valid_sed_n_arg(non_flags[0]):
        return non_flags[1] if len(non_flags) > 1 else None
    return non_flags[0]


def _normalize_tokens(cmd: list[str]) -> list[str]:
    if len(cmd) >= 2 and cmd[0] in ("yes", "y") and cmd[1] == "|":
        return cmd[2:]
    if len(cmd) >= 2 and cmd[0] in ("no", "n") and cmd[1] == "|":
        return cmd[2:]
    if len(cmd) == 3 and cmd[0] in ("bash", "zsh") and cmd[1] in ("-c", "-lc"):
        split = shlex_split(cmd[2])
        return split if split is not None else list(cmd)
    return list(cmd)


def _contains_connectors(tokens: list[str]) -> bool:
    return any(t in _CONNECTORS for t in tokens)


def _split_on_connectors(tokens: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    cur: list[str] = []
    for t in tokens:
        if t in _CONNECTORS:
            if cur:
                out.append(cur)
                cur = []
        else:
            cur.append(t)
    if cur:
        out.append(cur)
    return out


def _trim_at_connector(tokens: list[str]) -> list[str]:
    for i, t in enumerate(tokens):
        if t in ("|", "&&", "||", ";"):
            return tokens[:i]
    return list(tokens)


def _short_display_path(path: str) -> str:
    """The last useful path component (skipping build/dist/node_modules/src)."""
    normalized = path.replace("\\", "/")
    trimmed = normalized.rstrip("/")
    if not trimmed:
        return "/"
    for p in reversed(trimmed.split("/")):
        if p and p not in ("build", "dist", "node_modules", "src"):
            return p
    return trimmed


def _skip_flag_values(args: list[str], flags_with_vals) -> list[str]:
    out: list[str] = []
    skip_next = False
    for i, a in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        if a == "--":
            out.extend(args[i + 1:])
            break
        if a.startswith("--") and "=" in a:
            continue
        if a in flags_with_vals:
            if i + 1 < len(args):
                skip_next = True
            continue
        out.append(a)
    return out


def _positional_operands(args: list[str], flags_with_vals) -> list[str]:
    out: list[str] = []
    after_double_dash = False
    skip_next = False
    for i, arg in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        if after_double_dash:
            out.append(arg)
            continue
        if arg == "--":
            after_double_dash = True
            continue
        if arg.startswith("--") and "=" in arg:
            continue
        if arg in flags_with_vals:
            if i + 1 < len(args):
                skip_next = True
            continue
        if arg.startswith("-"):
            continue
        out.append(arg)
    return out


def _first_non_flag_operand(args: list[str], flags_with_vals) -> str | None:
    ops = _positional_operands(args, flags_with_vals)
    return ops[0] if ops else None


def _single_non_flag_operand(args: list[str], flags_with_vals) -> str | None:
    ops = _positional_operands(args, flags_with_vals)
    return ops[0] if len(ops) == 1 else None


def _parse_grep_like(main_cmd: list[str], args: list[str]) -> dict:
    args = _trim_at_connector(args)
    operands: list[str] = []
    pattern: str | None = None
    after_double_dash = False
    it = iter(args)
    for arg in it:
        if after_double_dash:
            operands.append(arg)
            continue
        if arg == "--":
            after_double_dash = True
            continue
        if arg.startswith("--regexp="):
            if pattern is None:
                pattern = arg[len("--regexp="):]
            continue
        if arg.startswith("--file="):
            if pattern is None:
                pattern = arg[len("--file="):]
            continue
        if arg in ("-e", "--regexp", "-f", "--file"):
            nxt = next(it, None)
            if nxt is not None and pattern is None:
                pattern = nxt
            continue
        if arg in ("-m", "--max-count", "-C", "--context", "-A", "--after-context", "-B", "--before-context"):
            next(it, None)
            continue
        if arg.startswith("-e") and len(arg) > 2 and pattern is None:
            pattern = arg[2:]
            continue
        if arg.startswith("-f") and len(arg) > 2 and pattern is None:
            pattern = arg[2:]
            continue
        if arg.startswith("-"):
            continue
        operands.append(arg)
    has_pattern = pattern is not None
    query = pattern if has_pattern else (operands[0] if operands else None)
    path_index = 0 if has_pattern else 1
    path = _short_display_path(operands[path_index]) if len(operands) > path_index else None
    return _search(shlex_join(main_cmd), query, path)


def _awk_data_file_operand(args: list[str]) -> str | None:
    if not args:
        return None
    args = _trim_at_connector(args)
    has_script_file = any(a in ("-f", "--file") for a in args)
    candidates = _skip_flag_values(args, ("-F", "-v", "-f", "--field-separator", "--assign", "--file"))
    non_flags = [a for a in candidates if not a.startswith("-")]
    if has_script_file:
        return non_flags[0] if non_flags else None
    if len(non_flags) >= 2:
        return non_flags[1]
    return None


def _python_walks_files(args: list[str]) -> bool:
    args = _trim_at_connector(args)
    it = iter(args)
    for arg in it:
        if arg == "-c":
            script = next(it, None)
            if script is not None:
                return any(s in script for s in ("os.walk", "os.listdir", "os.scandir", "glob.glob",
                                                 "glob.iglob", "pathlib.Path", ".rglob("))
    return False


def _is_python_command(cmd: str) -> bool:
    return cmd in ("python", "python2", "python3") or cmd.startswith(("python2.", "python3."))


def _cd_target(args: list[str]) -> str | None:
    if not args:
        return None
    target: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return args[i + 1] if i + 1 < len(args) else None
        if arg in ("-L", "-P") or arg.startswith("-"):
            i += 1
            continue
        target = arg
        i += 1
    return target


def _is_pathish(s: str) -> bool:
    return s in (".", "..") or s.startswith(("./", "../")) or "/" in s or "\\" in s


def _parse_fd_query_and_path(tail: list[str]) -> tuple[str | None, str | None]:
    args = _trim_at_connector(tail)
    search_paths: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--search-path":
            if i + 1 < len(args):
                search_paths.append(args[i + 1])
            i += 2
            continue
        if arg.startswith("--search-path="):
            search_paths.append(arg[len("--search-path="):])
        i += 1
    candidates = _skip_flag_values(args, ("-t", "--type", "-e", "--extension", "-E", "--exclude", "--search-path"))
    non_flags = [p for p in candidates if not p.startswith("-")]
    query: str | None = None
    path: str | None = None
    if len(non_flags) == 1:
        one = non_flags[0]
        if _is_pathish(one):
            path = _short_display_path(one)
        else:
            query = one
    elif len(non_flags) >= 2:
        query, path = non_flags[0], _short_display_path(non_flags[1])
    if path is None and search_paths:
        path = _short_display_path(search_paths[0])
    return query, path


_FIND_FLAGS_WITH_VALUES = ("-type", "-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-perm", "-user",
                           "-group", "-size", "-maxdepth", "-mindepth", "-newer", "-exec", "-execdir", "-ok",
                           "-okdir", "-printf")


def _parse_find_query_and_path(tail: list[str]) -> tuple[str | None, str | None]:
    args = _trim_at_connector(tail)
    path: str | None = None
    for a in _skip_flag_values(args, _FIND_FLAGS_WITH_VALUES):
        if not a.startswith("-") and a not in ("!", "(", ")"):
            path = _short_display_path(a)
            break
    if path is None:
        path = "."
    query: str | None = None
    for i, a in enumerate(args):
        if a in ("-name", "-iname", "-path", "-regex"):
            if i + 1 < len(args):
                query = args[i + 1]
            break
    return query, path


def _parse_shell_lc_commands(original: list[str]) -> list[dict] | None:
    extracted = extract_bash_command(original)
    if extracted is None:
        return None
    script = extracted[1]
    tree = try_parse_shell(script)
    all_commands = try_parse_word_only_commands_sequence(tree) if tree is not None else None
    if not all_commands:
        return [_unknown(script)]
    script_tokens = shlex_split(script)
    if script_tokens is None:
        script_tokens = [script]
    had_multiple_commands = len(all_commands) > 1
    filtered = [c for c in all_commands if not _is_small_formatting_command(c)]
    if not filtered:
        return [_unknown(script)]
    commands: list[dict] = []
    cwd: str | None = None
    for tokens in filtered:
        if tokens and tokens[0] == "cd":
            d = _cd_target(tokens[1:])
            if d is not None:
                cwd = _join_paths(cwd, d) if cwd is not None else d
            continue
        parsed = _summarize_main_tokens(tokens)
        if parsed["type"] == "read" and cwd is not None:
            parsed = _read(parsed["cmd"], parsed["name"], _join_paths(cwd, parsed["path"]))
        commands.append(parsed)
    if len(commands) > 1:
        commands = [pc for pc in commands if not (pc["type"] == "unknown" and pc["cmd"] == "true")]
        while True:
            nxt = _simplify_once(commands)
            if nxt is None:
                break
            commands = nxt
    if len(commands) == 1:
        had_connectors = had_multiple_commands or any(t in ("|", "&&", "||", ";") for t in script_tokens)
        pc = commands[0]
        if pc["type"] == "read":
            if had_connectors:
                has_pipe = "|" in script_tokens
                has_sed_n = any(script_tokens[i] == "sed" and script_tokens[i + 1] == "-n"
                                for i in range(len(script_tokens) - 1))
                if has_pipe and has_sed_n:
                    pc = _read(script, pc["name"], pc["path"])
            else:
                pc = _read(shlex_join(script_tokens), pc["name"], pc["path"])
        elif pc["type"] == "list_files":
            if not had_connectors:
                pc = _list_files(shlex_join(script_tokens), pc["path"])
        elif pc["type"] == "search":
            if not had_connectors:
                pc = _search(shlex_join(script_tokens), pc["query"], pc["path"])
        commands = [pc]
    return commands


def _head_tail_count(count: str, allow_plus: bool) -> bool:
    if allow_plus and count.startswith("+"):
        return _is_digits(count[1:])
    return _is_digits(count)


def _is_small_formatting_command(tokens: list[str]) -> bool:
    """A formatting helper in a pipeline (`head -n 40`, `wc -l`, `awk ...`); variants naming a
    file (`tail -n 30 file`) are kept."""
    if not tokens:
        return False
    cmd = tokens[0]
    if cmd in ("wc", "tr", "cut", "sort", "uniq", "tee", "column", "yes", "printf"):
        return True
    if cmd == "xargs":
        return not _is_mutating_xargs_command(tokens)
    if cmd == "awk":
        return _awk_data_file_operand(tokens[1:]) is None
    if cmd == "head":
        if len(tokens) == 1:
            return True
        if len(tokens) == 2:
            return tokens[1].startswith("-")
        if len(tokens) == 3 and tokens[1] in ("-n", "-c") and _is_digits(tokens[2]):
            return True
        return False
    if cmd == "tail":
        if len(tokens) == 1:
            return True
        if len(tokens) == 2:
            return tokens[1].startswith("-")
        if len(tokens) == 3 and tokens[1] in ("-n", "-c") and _head_tail_count(tokens[2], True):
            return True
        return False
    if cmd == "sed":
        return _sed_read_path(tokens[1:]) is None
    return False


def _is_mutating_xargs_command(tokens: list[str]) -> bool:
    sub = _xargs_subcommand(tokens)
    return sub is not None and _xargs_is_mutating_subcommand(sub)


def _xargs_subcommand(tokens: list[str]) -> list[str] | None:
    if not tokens or tokens[0] != "xargs":
        return None
    i = 1
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            rest = tokens[i + 1:]
            return rest or None
        if not token.startswith("-"):
            rest = tokens[i:]
            return rest or None
        if token in ("-E", "-e", "-I", "-L", "-n", "-P", "-s") and len(token) == 2:
            i += 2
        else:
            i += 1
    return None


def _xargs_is_mutating_subcommand(tokens: list[str]) -> bool:
    if not tokens:
        return False
    head, tail = tokens[0], tokens[1:]
    if head in ("perl", "ruby"):
        return _xargs_has_in_place_flag(tail)
    if head == "sed":
        return _xargs_has_in_place_flag(tail) or "--in-place" in tail
    if head == "rg":
        return "--replace" in tail
    return False


def _xargs_has_in_place_flag(tokens: list[str]) -> bool:
    return any(t.startswith("-i") or t.startswith("-pi") for t in tokens)


_LS_FLAGS = ("-I", "-w", "--block-size", "--format", "--time-style", "--color", "--quoting-style")
_EZA_FLAGS = ("-I", "--ignore-glob", "--color", "--sort", "--time-style", "--time")
_RG_FLAGS = ("-g", "--glob", "--iglob", "-t", "--type", "--type-add", "--type-not", "-m", "--max-count", "-A", "-B",
             "-C", "--context", "--max-depth")
_AG_FLAGS = ("-G", "-g", "--file-search-regex", "--ignore-dir", "--ignore-file", "--path-to-ignore")
_BAT_FLAGS = ("--theme", "--language", "--style", "--terminal-width", "--tabs", "--line-range", "--map-syntax")
_LESS_FLAGS = ("-p", "-P", "-x", "-y", "-z", "-j", "--pattern", "--prompt", "--tabs", "--shift", "--jump-target")


def _read_or_unknown(main_cmd: list[str], path: str | None) -> dict:
    if path is None:
        return _unknown(shlex_join(main_cmd))
    return _read(shlex_join(main_cmd), _short_display_path(path), path)


def _summarize_head_tail(main_cmd: list[str], tail: list[str], allow_plus: bool) -> dict:
    def count_ok(s: str) -> bool:
        if allow_plus:
            s = s[1:] if s.startswith("+") else s
            return bool(s) and _is_digits(s)
        return _is_digits(s)

    has_valid_n = False
    if tail:
        first = tail[0]
        if first == "-n":
            has_valid_n = len(tail) > 1 and count_ok(tail[1])
        elif first.startswith("-n"):
            has_valid_n = count_ok(first[2:])
    if has_valid_n:
        candidates: list[str] = []
        i = 0
        while i < len(tail):
            if i == 0 and tail[i] == "-n" and i + 1 < len(tail) and count_ok(tail[i + 1]):
                i += 2
                continue
            candidates.append(tail[i])
            i += 1
        for p in candidates:
            if not p.startswith("-"):
                return _read(shlex_join(main_cmd), _short_display_path(p), p)
    if len(tail) == 1 and not tail[0].startswith("-"):
        return _read(shlex_join(main_cmd), _short_display_path(tail[0]), tail[0])
    return _unknown(shlex_join(main_cmd))


def _summarize_main_tokens(main_cmd: list[str]) -> dict:
    if not main_cmd:
        return _unknown(shlex_join(main_cmd))
    head, tail = main_cmd[0], main_cmd[1:]
    joined = shlex_join(main_cmd)
    if head in ("ls", "eza", "exa"):
        p = _first_non_flag_operand(tail, _LS_FLAGS if head == "ls" else _EZA_FLAGS)
        return _list_files(joined, _short_display_path(p) if p is not None else None)
    if head == "tree":
        p = _first_non_flag_operand(tail, ("-L", "-P", "-I", "--charset", "--filelimit", "--sort"))
        return _list_files(joined, _short_display_path(p) if p is not None else None)
    if head == "du":
        p = _first_non_flag_operand(tail, ("-d", "--max-depth", "-B", "--block-size", "--exclude", "--time-style"))
        return _list_files(joined, _short_display_path(p) if p is not None else None)
    if head in ("rg", "rga", "ripgrep-all"):
        args = _trim_at_connector(tail)
        has_files_flag = "--files" in args
        non_flags = [p for p in _skip_flag_values(args, _RG_FLAGS) if not p.startswith("-")]
        if has_files_flag:
            return _list_files(joined, _short_display_path(non_flags[0]) if non_flags else None)
        return _search(joined, non_flags[0] if non_flags else None,
                       _short_display_path(non_flags[1]) if len(non_flags) > 1 else None)
    if head == "git":
        if tail and tail[0] == "grep":
            return _parse_grep_like(main_cmd, tail[1:])
        if tail and tail[0] == "ls-files":
            p = _first_non_flag_operand(tail[1:], ("--exclude", "--exclude-from", "--pathspec-from-file"))
            return _list_files(joined, _short_display_path(p) if p is not None else None)
        return _unknown(joined)
    if head == "fd":
        query, path = _parse_fd_query_and_path(tail)
        return _search(joined, query, path) if query is not None else _list_files(joined, path)
    if head == "find":
        query, path = _parse_find_query_and_path(tail)
        return _search(joined, query, path) if query is not None else _list_files(joined, path)
    if head in ("grep", "egrep", "fgrep"):
        return _parse_grep_like(main_cmd, tail)
    if head in ("ag", "ack", "pt"):
        args = _trim_at_connector(tail)
        non_flags = [p for p in _skip_flag_values(args, _AG_FLAGS) if not p.startswith("-")]
        return _search(joined, non_flags[0] if non_flags else None,
                       _short_display_path(non_flags[1]) if len(non_flags) > 1 else None)
    if head == "cat":
        return _read_or_unknown(main_cmd, _single_non_flag_operand(tail, ()))
    if head in ("bat", "batcat"):
        return _read_or_unknown(main_cmd, _single_non_flag_operand(tail, _BAT_FLAGS))
    if head == "less":
        return _read_or_unknown(main_cmd, _single_non_flag_operand(tail, _LESS_FLAGS))
    if head == "more":
        return _read_or_unknown(main_cmd, _single_non_flag_operand(tail, ()))
    if head == "head":
        return _summarize_head_tail(main_cmd, tail, allow_plus=False)
    if head == "tail":
        return _summarize_head_tail(main_cmd, tail, allow_plus=True)
    if head == "awk":
        return _read_or_unknown(main_cmd, _awk_data_file_operand(tail))
    if head == "nl":
        for p in _skip_flag_values(tail, ("-s", "-w", "-v", "-i", "-b")):
            if not p.startswith("-"):
                return _read(joined, _short_display_path(p), p)
        return _unknown(joined)
    if head == "sed":
        return _read_or_unknown(main_cmd, _sed_read_path(tail))
    if _is_python_command(head):
        return _list_files(joined, None) if _python_walks_files(tail) else _unknown(joined)
    return _unknown(joined)


def _is_abs_like(path: str) -> bool:
    if path.startswith("/"):
        return True
    if len(path) >= 3 and path[0].isascii() and path[0].isalpha() and path[1] == ":" and path[2] == "\\":
        return True
    return path.startswith("\\\\")


def _join_paths(base: str, rel: str) -> str:
    if _is_abs_like(rel):
        return rel
    if not base:
        return rel
    return base + rel if base.endswith("/") else base + "/" + rel

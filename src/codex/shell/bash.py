"""Bash parsing with tree-sitter-bash (upstream `shell-command/src/bash.rs`, 0.136).

`parse_shell_lc_plain_commands(["bash", "-lc", "ls && pwd"])` -> `[["ls"], ["pwd"]]`: the script
of a `bash|zsh|sh -c|-lc SCRIPT` argv split into commands made only of plain words (bare words,
numbers, '...' and "..." without expansions, and concatenations of those), joined by `&&`, `||`,
`;` or `|`. Anything else (redirections, subshells, substitutions, `$VAR`, assignments, `&`,
control flow, parse errors) gives None.

`parse_shell_lc_single_command_prefix` is the heredoc fallback exec policy uses: the words of the
one command of a script that feeds it a heredoc (`python3 <<'PY' ... PY` -> `["python3"]`).
"""

from __future__ import annotations

__all__ = [
    "ShellType",
    "detect_shell_type",
    "extract_bash_command",
    "parse_plain_shell_script",
    "parse_shell_lc_plain_commands",
    "parse_shell_lc_single_command_prefix",
    "try_parse_shell",
    "try_parse_word_only_commands_sequence",
]


class ShellType:
    ZSH = "zsh"
    BASH = "bash"
    POWERSHELL = "powershell"
    SH = "sh"
    CMD = "cmd"


_SHELL_NAMES = {
    "zsh": ShellType.ZSH,
    "sh": ShellType.SH,
    "cmd": ShellType.CMD,
    "bash": ShellType.BASH,
    "pwsh": ShellType.POWERSHELL,
    "powershell": ShellType.POWERSHELL,
}


def _file_stem(path: str) -> str | None:
    """Rust's `Path::file_stem` for a Unix path."""
    parts = [p for p in path.split("/") if p and p != "."]
    if not parts or parts[-1] == "..":
        return None
    name = parts[-1]
    if name.startswith(".") and "." not in name[1:]:
        return name
    if "." not in name:
        return name
    return name.rsplit(".", 1)[0]


def detect_shell_type(shell_path: str) -> str | None:
    """The shell named by a path: an exact name, else (recursively) the path's file stem, so
    `/bin/bash` and `bash.exe` are bash (upstream `shell_detect.rs` as of 0.136)."""
    while True:
        kind = _SHELL_NAMES.get(shell_path)
        if kind is not None:
            return kind
        stem = _file_stem(shell_path)
        if stem is None or stem == shell_path:
            return None
        shell_path = stem


# -- tree-sitter -----------------------------------------------------------------------------

_PARSER = None


def _parser():
    """The bash parser, built on first use from the grammar `codex.apply_patch.invocation` loads."""
    global _PARSER
    if _PARSER is None:
        from codex.apply_patch.invocation import _bash

        _PARSER = _bash()[0]
    return _PARSER


class _Tree:
    """A parsed script: the tree-sitter tree plus the UTF-8 source it was parsed from."""

    __slots__ = ("tree", "src")

    def __init__(self, tree, src: bytes):
        self.tree = tree
        self.src = src

    @property
    def root_node(self):
        return self.tree.root_node

    def text(self, node) -> str | None:
        try:
            return self.src[node.start_byte:node.end_byte].decode("utf-8")
        except UnicodeDecodeError:
            return None


def try_parse_shell(script: str) -> _Tree | None:
    """Parse a bash script; None only if tree-sitter gives no tree."""
    data = script.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    if tree is None:
        return None
    return _Tree(tree, data)


_WORD_ONLY_KINDS = frozenset({
    # top level containers
    "program", "list", "pipeline",
    # commands & words
    "command", "command_name", "word", "string", "string_content", "raw_string", "number",
    "concatenation",
})
_ALLOWED_PUNCT_TOKENS = frozenset({"&&", "||", ";", "|", '"', "'"})


def try_parse_word_only_commands_sequence(tree: _Tree, src: str | None = None) -> list[list[str]] | None:
    """The commands of a parsed script made only of plain words joined by `&&`, `||`, `;`, `|`;
    None when the tree has an error or any other construct."""
    root = tree.root_node
    if root.has_error:
        return None
    stack = [root]
    command_nodes = []
    while stack:
        node = stack.pop()
        kind = node.type
        if node.is_named:
            if kind not in _WORD_ONLY_KINDS:
                return None
            if kind == "command":
                command_nodes.append(node)
        else:
            if any(c in "&;|" for c in kind) and kind not in _ALLOWED_PUNCT_TOKENS:
                return None
            if not (kind in _ALLOWED_PUNCT_TOKENS or not kind.strip()):
                return None
        stack.extend(node.children)
    command_nodes.sort(key=lambda n: n.start_byte)
    commands = []
    for node in command_nodes:
        words = _parse_plain_command_from_node(node, tree)
        if words is None:
            return None
        commands.append(words)
    return commands


def parse_plain_shell_script(script: str) -> list[list[str]] | None:
    """`try_parse_word_only_commands_sequence` of a script."""
    tree = try_parse_shell(script)
    if tree is None:
        return None
    return try_parse_word_only_commands_sequence(tree)


def extract_bash_command(command: list[str]) -> tuple[str, str] | None:
    """(shell, script) of `[bash|zsh|sh, -lc|-c, script]`, else None."""
    if len(command) != 3:
        return None
    shell, flag, script = command
    if flag not in ("-lc", "-c") or detect_shell_type(shell) not in (ShellType.ZSH, ShellType.BASH,
                                                                      ShellType.SH):
        return None
    return shell, script


def parse_shell_lc_plain_commands(command: list[str]) -> list[list[str]] | None:
    """The plain commands of a `bash -lc "..."` / `zsh -lc "..."` argv whose script is word-only
    commands joined by safe operators; None otherwise."""
    extracted = extract_bash_command(list(command))
    if extracted is None:
        return None
    return parse_plain_shell_script(extracted[1])


def parse_shell_lc_single_command_prefix(command: list[str]) -> list[str] | None:
    """The literal words of the single command of a heredoc-style (`<<`) script, as long as the
    script has exactly one command node and no file redirection."""
    extracted = extract_bash_command(list(command))
    if extracted is None:
        return None
    tree = try_parse_shell(extracted[1])
    if tree is None:
        return None
    root = tree.root_node
    if root.has_error:
        return None
    if not _has_named_descendant_kind(root, "heredoc_redirect"):
        return None
    if _has_named_descendant_kind(root, "file_redirect"):
        return None
    command_node = _find_single_command_node(root)
    if command_node is None:
        return None
    return _parse_heredoc_command_words(command_node, tree)


def _parse_plain_command_from_node(cmd, tree: _Tree) -> list[str] | None:
    if cmd.type != "command":
        return None
    words: list[str] = []
    for child in cmd.named_children:
        kind = child.type
        if kind == "command_name":
            if child.named_child_count == 0:
                return None
            word_node = child.named_children[0]
            if word_node.type != "word":
                return None
            text = tree.text(word_node)
            if text is None:
                return None
            words.append(text)
        elif kind in ("word", "number"):
            text = tree.text(child)
            if text is None:
                return None
            words.append(text)
        elif kind == "string":
            parsed = _parse_double_quoted_string(child, tree)
            if parsed is None:
                return None
            words.append(parsed)
        elif kind == "raw_string":
            parsed = _parse_raw_string(child, tree)
            if parsed is None:
                return None
            words.append(parsed)
        elif kind == "concatenation":
            concatenated = ""
            for part in child.named_children:
                pkind = part.type
                if pkind in ("word", "number"):
                    text = tree.text(part)
                elif pkind == "string":
                    text = _parse_double_quoted_string(part, tree)
                elif pkind == "raw_string":
                    text = _parse_raw_string(part, tree)
                else:
                    return None
                if text is None:
                    return None
                concatenated += text
            if not concatenated:
                return None
            words.append(concatenated)
        else:
            return None
    return words


def _parse_heredoc_command_words(cmd, tree: _Tree) -> list[str] | None:
    if cmd.type != "command":
        return None
    words: list[str] = []
    for child in cmd.named_children:
        kind = child.type
        if kind == "command_name":
            if child.named_child_count == 0:
                return None
            word_node = child.named_children[0]
            if word_node.type not in ("word", "number") or not _is_literal_word_or_number(word_node):
                return None
            text = tree.text(word_node)
            if text is None:
                return None
            words.append(text)
        elif kind in ("word", "number"):
            if not _is_literal_word_or_number(child):
                return None
            text = tree.text(child)
            if text is None:
                return None
            words.append(text)
        elif kind == "comment" or kind in _HEREDOC_ATTACHMENT_KINDS:
            continue
        else:
            return None
    return words or None


_HEREDOC_ATTACHMENT_KINDS = frozenset({
    "heredoc_body", "simple_heredoc_body", "heredoc_redirect", "herestring_redirect",
    "redirected_statement",
})


def _is_literal_word_or_number(node) -> bool:
    return node.type in ("word", "number") and node.named_child_count == 0


def _find_single_command_node(root):
    stack = [root]
    single = None
    while stack:
        node = stack.pop()
        if node.type == "command":
            if single is not None:
                return None
            single = node
        stack.extend(node.named_children)
    return single


def _has_named_descendant_kind(node, kind: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            return True
        stack.extend(current.named_children)
    return False


def _parse_double_quoted_string(node, tree: _Tree) -> str | None:
    if node.type != "string":
        return None
    for part in node.named_children:
        if part.type != "string_content":
            return None
    raw = tree.text(node)
    if raw is None or len(raw) < 2 or not raw.startswith('"') or not raw.endswith('"'):
        return None
    return raw[1:-1]


def _parse_raw_string(node, tree: _Tree) -> str | None:
    if node.type != "raw_string":
        return None
    raw = tree.text(node)
    if raw is None or len(raw) < 2 or not raw.startswith("'") or not raw.endswith("'"):
        return None
    return raw[1:-1]

"""Config loading errors, rendered the way the reference's anyhow reports print them."""

from __future__ import annotations

__all__ = ["CodexHomeError", "ConfigError", "render_anyhow"]


def _indent_cause(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [rest + line for line in lines[1:]])


def render_anyhow(message: str, causes: list[str] | tuple[str, ...] = ()) -> str:
    """`eprintln!("Error: {err:?}")` of an anyhow error: the message, then `Caused by:` with one
    indented cause, or numbered causes when there are several. Ends with a newline."""
    out = f"Error: {message}"
    if causes:
        out += "\n\nCaused by:\n"
        if len(causes) == 1:
            out += _indent_cause(causes[0], "    ", "    ")
        else:
            out += "\n".join(_indent_cause(c, f"{i:>5}: ", "       ") for i, c in enumerate(causes))
    return out + "\n"


class ConfigError(Exception):
    """A config that cannot be loaded.

    - `message`: the error's own line (`<file>:<line>:<col>: <detail>` for a file, the bare
      detail, `<detail>\\nin \\`key\\`\\n`, for a `-c` override);
    - `causes`: the anyhow chain below it (serde's detail with `in \\`key\\``, or the TOML parse
      report);
    - `kind`: "parse", "type", "unknown_field", "profile", "home";
    - `path`, `line`, `col`, `detail`, `key` when known.
    """

    def __init__(self, message: str, causes=(), *, kind: str = "type", path=None, line=None, col=None,
                 detail: str | None = None, key: str | None = None, source_text: str | None = None,
                 file_text: str | None = None):
        super().__init__(message)
        self.message = message
        self.causes = list(causes)
        self.kind = kind
        self.path = path
        self.line = line
        self.col = col
        self.detail = detail if detail is not None else message
        self.key = key
        self.source_text = source_text
        self.file_text = file_text

    def __str__(self) -> str:
        return self.message

    def render(self, context: str | None = None) -> str:
        """`Error: ...` as `codex features list` prints it; with `context` (e.g. `failed to load
        configuration`) the error becomes the first numbered cause, as `codex mcp` prints it."""
        if context is None:
            return render_anyhow(self.message, self.causes)
        return render_anyhow(context, [self.message] + self.causes)


    def render_tui(self) -> str:
        """How `codex exec` (and the TUI) report it: `Error loading config.toml:` then, for a syntax
        error or an unknown field in a file, the location and the offending line with carets; else
        serde's message followed by its `in <key>` line."""
        head = "Error loading config.toml:"
        if self.kind in ("parse", "unknown_field") and self.path and self.file_text is not None and self.line:
            from codex.config.locate import snippet

            return (f"{head}\n{self.path}:{self.line}:{self.col}: {self.detail}\n"
                    + snippet(self.file_text, self.detail, self.line, self.col, key=self.kind == "unknown_field"))
        if self.kind == "type" and self.causes:
            return f"{head} {self.causes[0]}\n"
        return f"{head} {self.message}\n"


class CodexHomeError(ConfigError):
    """CODEX_HOME points to a missing path or a non-directory."""

    def __init__(self, message: str):
        super().__init__(message, kind="home")

"""``codex exec`` without ``--json``: the transcript on stderr, the final message on stdout
(``codex-rs/exec/src/event_processor_with_human_output.rs``).

Colour follows ``--color`` (``always``/``never``/``auto``; ``auto`` asks the
``supports-color`` rules about stdout, as upstream does, although the transcript goes
to stderr). With colour off every style is the identity,
so the text is byte-identical to a capture of the reference binary.
"""

from __future__ import annotations

from typing import Any, Mapping, TextIO

from .event_processor import (
    PLAIN,
    SUMMARY_METADATA_KEYS,
    CodexStatus,
    EventProcessor,
    Style,
    final_message_from_turn_items,
    handle_last_message,
    is_terminal,
    resolve_color,
)

__all__ = ["HumanOutput", "blended_total", "format_with_separators"]

_PATCH_STATUS_TEXT = {
    "completed": "completed", "failed": "failed", "declined": "declined", "inProgress": "in_progress",
}


def _pascal(value: Any) -> str:
    """Rust ``{:?}`` of a unit enum variant whose wire form is camelCase."""
    value = str(value)
    return value[:1].upper() + value[1:]


def blended_total(usage: Mapping[str, Any]) -> int:
    """Non-cached input plus output, over the thread's total usage."""
    total = usage.get("total") or {}
    cached = max(total.get("cachedInputTokens", 0), 0)
    non_cached = max(total.get("inputTokens", 0) - cached, 0)
    return max(non_cached + max(total.get("outputTokens", 0), 0), 0)


def format_with_separators(n: int) -> str:
    return f"{n:,}"


def reasoning_text(summary, content, show_raw: bool) -> str | None:
    entries = content if show_raw and content else summary
    if not entries:
        return None
    return "\n".join(entries)


class HumanOutput(EventProcessor):
    """``EventProcessorWithHumanOutput``."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        *,
        color: str | bool | None = "auto",
        last_message_path: str | None = None,
        show_agent_reasoning: bool = True,
        show_raw_agent_reasoning: bool = False,
        version: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(stdout, stderr)
        # lib.rs hands the processor `stdout_with_ansi`: stdout decides, though the
        # transcript goes to stderr
        with_ansi = resolve_color(color, self.stdout, environ)
        self.with_ansi = with_ansi

        def style(fg: str | None = None, effect: str | None = None) -> Style:
            if not with_ansi:
                return PLAIN
            return Style(fg, effect) if effect else Style(fg)

        self.bold = style(effect="bold")
        self.cyan = style("cyan")
        self.dimmed = style(effect="dimmed")
        self.green = style("green")
        self.italic = style(effect="italic")
        self.magenta = style("magenta")
        self.red = style("red")
        self.yellow = style("yellow")
        self.show_agent_reasoning = show_agent_reasoning
        self.show_raw_agent_reasoning = show_raw_agent_reasoning
        self.last_message_path = last_message_path
        if version is None:
            from codex import CLI_VERSION as version  # noqa: N811
        self.version = version
        self.final_message: str | None = None
        self._final_message_rendered = False
        self._emit_final_message_on_shutdown = False
        self._last_total_token_usage: Mapping[str, Any] | None = None

    # --- output helpers -------------------------------------------------------------

    def _eprintln(self, text: str = "") -> None:
        err = self.stderr
        err.write(text)
        err.write("\n")
        err.flush()

    # --- items ----------------------------------------------------------------------

    def _render_item_started(self, item: Mapping[str, Any]) -> None:
        kind = item.get("type")
        if kind == "commandExecution":
            self._eprintln(
                f"{self.magenta(self.italic('exec'))}\n{self.bold(item.get('command', ''))} in {item.get('cwd', '')}"
            )
        elif kind == "mcpToolCall":
            self._eprintln(
                f"{self.bold('mcp:')} {self.cyan(item.get('server', '') + '/' + item.get('tool', ''))} "
                f"{self.dimmed('started')}"
            )
        elif kind == "webSearch":
            self._eprintln(f"{self.bold('web search:')} {item.get('query', '')}")
        elif kind == "fileChange":
            self._eprintln(self.bold("apply patch"))
        elif kind == "collabAgentToolCall":
            self._eprintln(f"{self.bold('collab:')} {_pascal(item.get('tool', ''))}")

    def _render_item_completed(self, item: Mapping[str, Any]) -> None:
        kind = item.get("type")
        if kind == "agentMessage":
            text = item.get("text", "")
            self._eprintln(f"{self.magenta(self.italic('codex'))}\n{text}")
            self.final_message = text
            self._final_message_rendered = True
        elif kind == "reasoning":
            if self.show_agent_reasoning:
                text = reasoning_text(item.get("summary") or [], item.get("content") or [], self.show_raw_agent_reasoning)
                if text is not None and text.strip():
                    self._eprintln(self.dimmed(text))
        elif kind == "commandExecution":
            duration_ms = item.get("durationMs")
            suffix = f" in {duration_ms}ms" if duration_ms is not None else ""
            status = item.get("status")
            if status == "completed":
                self._eprintln(self.green(f" succeeded{suffix}:"))
            elif status == "failed":
                exit_code = item.get("exitCode")
                self._eprintln(self.red(f" exited {1 if exit_code is None else exit_code}{suffix}:"))
            elif status == "declined":
                self._eprintln(self.yellow(f" declined{suffix}:"))
            else:
                self._eprintln(self.dimmed(f" in progress{suffix}:"))
            output = item.get("aggregatedOutput")
            if output is not None and output.strip():
                self._eprintln(output)
        elif kind == "fileChange":
            status_text = _PATCH_STATUS_TEXT.get(item.get("status"), str(item.get("status")))
            self._eprintln(f"{self.bold('patch:')} {status_text}")
            for change in item.get("changes") or []:
                self._eprintln(self.dimmed(change.get("path", "")))
        elif kind == "mcpToolCall":
            status = item.get("status")
            if status == "completed":
                status_text = self.green("completed")
            elif status == "failed":
                status_text = self.red("failed")
            else:
                status_text = self.dimmed("in_progress")
            self._eprintln(
                f"{self.bold('mcp:')} {self.cyan(item.get('server', '') + '/' + item.get('tool', ''))} "
                f"{self.dimmed('(' + status_text + ')')}"
            )
            error = item.get("error")
            if error is not None:
                self._eprintln(self.red(error.get("message", "")))
        elif kind == "webSearch":
            self._eprintln(f"{self.bold('web search:')} {item.get('query', '')}")
        elif kind == "contextCompaction":
            self._eprintln(self.dimmed("context compacted"))

    # --- the EventProcessor interface -----------------------------------------------

    def print_config_summary(self, summary: Mapping[str, Any], prompt: str) -> None:
        self._eprintln(f"OpenAI Codex v{self.version}\n--------")
        for key, value in summary.items():
            if key in SUMMARY_METADATA_KEYS:
                continue
            self._eprintln(f"{self.bold(key + ':')} {value}")
        self._eprintln("--------")
        self._eprintln(f"{self.cyan('user')}\n{prompt}")

    def process_notification(self, notification: Mapping[str, Any]) -> CodexStatus:
        method = notification.get("method")
        p = notification.get("params") or {}
        if method == "configWarning":
            details = p.get("details")
            details = f" ({details})" if details is not None else ""
            self._eprintln(f"{self.bold(self.yellow('warning:'))} {p.get('summary', '')}{details}")
        elif method == "error":
            self._eprintln(f"{self.bold(self.red('ERROR:'))} {(p.get('error') or {}).get('message', '')}")
        elif method == "deprecationNotice":
            self._eprintln(f"{self.bold(self.yellow('deprecated:'))} {p.get('summary', '')}")
            if p.get("details") is not None:
                self._eprintln(self.dimmed(p["details"]))
        elif method == "hook/started":
            run = p.get("run") or {}
            self._eprintln(f"{self.bold('hook:')} {self.dimmed(_pascal(run.get('eventName', '')))}")
        elif method == "hook/completed":
            run = p.get("run") or {}
            self._eprintln(
                f"{self.bold('hook:')} {self.dimmed(_pascal(run.get('eventName', '')))} {_pascal(run.get('status', ''))}"
            )
        elif method == "item/started":
            self._render_item_started(p.get("item") or {})
        elif method == "item/completed":
            self._render_item_completed(p.get("item") or {})
        elif method == "model/rerouted":
            self._eprintln(
                f"{self.bold(self.yellow('model rerouted:'))} {p.get('fromModel', '')} -> {p.get('toModel', '')}"
            )
        elif method == "thread/tokenUsage/updated":
            self._last_total_token_usage = p.get("tokenUsage")
        elif method == "turn/completed":
            return self._turn_completed(p.get("turn") or {})
        elif method == "turn/diff/updated":
            diff = p.get("diff", "")
            if diff.strip():
                self._eprintln(diff)
        elif method == "turn/plan/updated":
            explanation = p.get("explanation")
            if explanation is not None:
                self._eprintln(self.italic(explanation))
            for step in p.get("plan") or []:
                status = step.get("status")
                text = step.get("step", "")
                if status == "completed":
                    self._eprintln(f"  {self.green('✓')} {text}")
                elif status == "inProgress":
                    self._eprintln(f"  {self.cyan('→')} {text}")
                else:
                    self._eprintln(f"  {self.dimmed('•')} {self.dimmed(text)}")
        return CodexStatus.RUNNING

    def _turn_completed(self, turn: Mapping[str, Any]) -> CodexStatus:
        status = turn.get("status")
        if status == "completed":
            rendered = self.final_message if self._final_message_rendered else None
            final = final_message_from_turn_items(turn.get("items") or [])
            if final is not None:
                self._final_message_rendered = rendered == final
                self.final_message = final
            self._emit_final_message_on_shutdown = True
            return CodexStatus.INITIATE_SHUTDOWN
        if status == "failed":
            self.final_message = None
            self._final_message_rendered = False
            self._emit_final_message_on_shutdown = False
            error = turn.get("error")
            if error is not None:
                self._eprintln(f"{self.bold(self.red('ERROR:'))} {error.get('message', '')}")
            return CodexStatus.INITIATE_SHUTDOWN
        if status == "interrupted":
            self.final_message = None
            self._final_message_rendered = False
            self._emit_final_message_on_shutdown = False
            self._eprintln(self.dimmed("turn interrupted"))
            return CodexStatus.INITIATE_SHUTDOWN
        return CodexStatus.RUNNING

    def process_warning(self, message: str) -> CodexStatus:
        self._eprintln(f"{self.bold(self.yellow('warning:'))} {message}")
        return CodexStatus.RUNNING

    def finish(self) -> str | None:
        """``print_final_output``: the ``-o`` file, ``tokens used``, then the final message."""
        final = self.final_message if self._emit_final_message_on_shutdown else None
        if self._emit_final_message_on_shutdown and self.last_message_path is not None:
            handle_last_message(self.final_message, self.last_message_path, self.stderr)
        if self._last_total_token_usage is not None:
            self._eprintln(
                f"{self.dimmed('tokens used')}\n{format_with_separators(blended_total(self._last_total_token_usage))}"
            )
        stdout_tty = is_terminal(self.stdout)
        stderr_tty = is_terminal(self.stderr)
        if final is not None and not (stdout_tty and stderr_tty):
            out = self.stdout
            out.write(final)
            out.write("\n")
            out.flush()
        elif final is not None and not self._final_message_rendered and stdout_tty and stderr_tty:
            self._eprintln(f"{self.magenta(self.italic('codex'))}\n{final}")
        return final

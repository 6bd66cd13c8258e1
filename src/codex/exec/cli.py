"""`codex exec` and `codex exec resume`: the command-line side of the headless face
(upstream codex-rs/exec/src/lib.rs `run_main`): the prompt (argument, `-`, piped stdin), the
config, the git-repo check, then `codex.exec.run` drives a turn through the in-process
app-server client."""
from __future__ import annotations

import os
import sys
from typing import Any


def _err(text: str) -> None:
    from codex._stdio import write
    write(sys.stderr, text)


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


# -- the prompt ---------------------------------------------------------------------------------


def decode_prompt_bytes(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith(b"\xff\xfe\x00\x00"):
        raise ValueError("input appears to be UTF-32LE. Convert it to UTF-8 and retry.")
    if data.startswith(b"\x00\x00\xfe\xff"):
        raise ValueError("input appears to be UTF-32BE. Convert it to UTF-8 and retry.")
    for bom, enc, name in ((b"\xff\xfe", "utf-16-le", "UTF-16LE"), (b"\xfe\xff", "utf-16-be", "UTF-16BE")):
        if data.startswith(bom):
            rest = data[2:]
            try:
                if len(rest) % 2:
                    raise UnicodeDecodeError(enc, rest, 0, 1, "odd length")
                return rest.decode(enc)
            except UnicodeDecodeError:
                raise ValueError(f"input looked like {name} but could not be decoded. "
                                 "Convert it to UTF-8 and retry.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"input is not valid UTF-8 (invalid byte at offset {e.start}). Convert it to "
                         "UTF-8 and retry (e.g., `iconv -f <ENC> -t UTF-8 prompt.txt`).") from None


def _stdin_is_terminal() -> bool:
    try:
        return os.isatty(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def read_prompt_from_stdin(behavior: str) -> str | None:
    """behavior: "required_if_piped" | "forced" | "optional_append" (upstream StdinPromptBehavior)."""
    terminal = _stdin_is_terminal()
    if behavior == "required_if_piped" and terminal:
        _err("No prompt provided. Either specify one as an argument or pipe the prompt into stdin.\n")
        raise _Exit(1)
    if behavior == "required_if_piped":
        _err("Reading prompt from stdin...\n")
    elif behavior == "optional_append":
        if terminal:
            return None
        _err("Reading additional input from stdin...\n")
    try:
        data = sys.stdin.buffer.read()
    except OSError as e:
        _err(f"Failed to read prompt from stdin: {e}\n")
        raise _Exit(1) from None
    try:
        text = decode_prompt_bytes(data)
    except ValueError as e:
        _err(f"Failed to read prompt from stdin: {e}\n")
        raise _Exit(1) from None
    if not text.strip():
        if behavior == "optional_append":
            return None
        _err("No prompt provided via stdin.\n")
        raise _Exit(1)
    return text


def resolve_prompt(prompt: str | None) -> str:
    if prompt is not None and prompt != "-":
        return prompt
    text = read_prompt_from_stdin("forced" if prompt == "-" else "required_if_piped")
    assert text is not None
    return text


def resolve_root_prompt(prompt: str | None) -> str:
    if prompt is not None and prompt != "-":
        stdin_text = read_prompt_from_stdin("optional_append")
        if stdin_text is not None:
            from codex.core.context.initial_context import compose_prompt
            return compose_prompt(prompt, stdin_text)
        return prompt
    return resolve_prompt(prompt)


def load_output_schema(path: str | None) -> Any:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        _err(f"Failed to read output schema file {path}: {os.strerror(e.errno or 0)} (os error {e.errno})\n")
        raise _Exit(1) from None
    import json
    try:
        return json.loads(text)
    except ValueError as e:
        _err(f"Output schema file {path} is not valid JSON: {e}\n")
        raise _Exit(1) from None


# -- entry points -------------------------------------------------------------------------------


def _review_target(v: dict) -> dict:
    """`exec review`'s target (upstream build_review_request)."""
    if v.get("uncommitted"):
        return {"type": "uncommittedChanges"}
    if v.get("base"):
        return {"type": "baseBranch", "branch": v["base"]}
    if v.get("commit"):
        target = {"type": "commit", "sha": v["commit"]}
        if v.get("title"):
            target["title"] = v["title"]
        return target
    if v.get("prompt") is not None:
        prompt = resolve_prompt(v["prompt"]).strip()
        if not prompt:
            _err("Error: Review prompt cannot be empty\n")
            raise _Exit(1)
        return {"type": "custom", "instructions": prompt}
    _err("Error: Specify --uncommitted, --base, --commit, or provide custom review instructions\n")
    raise _Exit(1)


def exec_cmd(invocation) -> int:
    try:
        return _run(invocation)
    except _Exit as e:
        return e.code


def _value(invocation, name: str, default: Any = None) -> Any:
    """The innermost explicit value of an arg shared by `exec` and `exec resume`."""
    for _path, values in reversed(invocation.levels):
        v = values.get(name)
        if v not in (None, False, [], ()):
            return v
    return default


def _run(invocation) -> int:
    from codex.exec.run import ExecOptions, run_exec

    resume = invocation.path == ("exec", "resume")
    review = invocation.path == ("exec", "review")
    v = invocation.values
    cd = _value(invocation, "cd")
    if cd:
        try:
            os.chdir(cd)
        except OSError as e:
            # anyhow's rendering of the io::Error (the reference adds a stack backtrace)
            _err(f"Error: {os.strerror(e.errno or 0)} (os error {e.errno or 0})\n")
            return 1
    from codex.config.errors import CodexHomeError
    from codex.config.loader import find_codex_home

    try:
        find_codex_home()
    except CodexHomeError as e:
        _err(f"Error finding codex home: {e}\n")
        return 1
    opts = ExecOptions(
        cwd=os.getcwd(),
        json_mode=bool(_value(invocation, "json", False)),
        model=_value(invocation, "model"),
        profile=_value(invocation, "profile"),
        sandbox=_value(invocation, "sandbox"),
        full_auto=bool(_value(invocation, "full_auto", False)),
        bypass=bool(_value(invocation, "dangerously_bypass_approvals_and_sandbox", False)),
        add_dirs=list(_value(invocation, "add_dir", []) or []),
        skip_git_repo_check=bool(_value(invocation, "skip_git_repo_check", False)),
        ephemeral=bool(_value(invocation, "ephemeral", False)),
        ignore_user_config=bool(_value(invocation, "ignore_user_config", False)),
        color=_value(invocation, "color", "auto") or "auto",
        last_message_file=_value(invocation, "output_last_message"),
        images=list(_value(invocation, "image", []) or []),
        config_overrides=[o for _p, vals in invocation.levels for o in (vals.get("config") or [])],
        enable=[o for _p, vals in invocation.levels for o in (vals.get("enable") or [])],
        disable=[o for _p, vals in invocation.levels for o in (vals.get("disable") or [])],
        strict_config=bool(_value(invocation, "strict_config", False)),
    )
    opts.output_schema = load_output_schema(_value(invocation, "output_schema"))
    if review:
        opts.review_target = _review_target(v)
        opts.prompt = ""
    elif resume:
        opts.resume = True
        opts.resume_last = bool(v.get("last"))
        opts.resume_all = bool(v.get("all"))
        session_id = v.get("session_id")
        prompt = v.get("prompt")
        if prompt is None and opts.resume_last and session_id is not None:
            prompt, session_id = session_id, None
        if prompt is None:
            prompt = invocation.levels[-2][1].get("prompt") if len(invocation.levels) >= 2 else None
        opts.resume_session = session_id
        opts.read_prompt = lambda: resolve_prompt(prompt)
    else:
        root_prompt = v.get("prompt")
        opts.read_prompt = lambda: resolve_root_prompt(root_prompt)
    # the prompt (and stdin) is read once the config loaded, as the reference does
    return run_exec(opts)

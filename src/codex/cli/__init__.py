"""Entry point of the `codex` program.

Start-up is a feature: this module imports nothing heavy. `--version` is answered before the
command tree is built; the arg0 multitool names are dispatched before the main CLI is built; everything
else loads inside the command that needs it.
"""

from __future__ import annotations

import os
import sys

VERSION_LINE = "codex-cli 0.136.0\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv if argv is None else argv
    prog = os.path.basename(args[0]) if args else "codex"

    from codex.cli import arg0

    tool = arg0.tool_for(prog, args[1:])
    if tool is not None:
        return tool()

    # as the reference's arg0_dispatch: <codex_home>/.env, then the codex home set-up (and its
    # PATH warning), on every invocation before the command line is parsed
    from codex.cli.dotenv import startup

    startup()

    rest = args[1:]
    if rest in (["--version"], ["-V"]):
        sys.stdout.write(VERSION_LINE)
        sys.stdout.flush()
        return 0

    from codex.cli.app import run

    return run(rest)

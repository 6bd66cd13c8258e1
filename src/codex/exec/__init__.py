"""``codex exec``: the non-interactive runner.

The output side lives in ``event_processor`` (the shared interface), ``jsonl_output``
(``--json``) and ``human_output`` (the transcript). Imports stay lazy: this package
is loaded on the CLI's start-up path.
"""

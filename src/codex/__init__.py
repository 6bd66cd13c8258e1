"""A drop-in reimplementation of the OpenAI Codex CLI 0.136.0.

Keep this module free of imports: `codex --version` loads it on the fast path.
"""

__version__ = "0.136.0"
CLI_VERSION = __version__

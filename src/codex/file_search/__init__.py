"""Fuzzy file search (codex-rs/file-search): a gitignore-aware walk of one or more roots, a
nucleo-compatible fuzzy matcher (pure and compiled twins, `match.py`), incremental indexes that
follow file changes (`index.py`) and search sessions shaped for the app-server's
`fuzzyFileSearch` methods (`session.py`).

Import-cheap: nothing is loaded until used.
"""

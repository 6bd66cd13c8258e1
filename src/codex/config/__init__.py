"""Codex configuration (imports nothing: the CLI's help/version path stays cheap).

- `loader`: `find_codex_home()`, `load_config(...)` -> `Config` (layers system / user / profile /
  trusted project / `-c` / `--enable,--disable`; `strict=` for `--strict-config`).
- `errors`: `ConfigError` with `render()` (anyhow's `Error: ...\\n\\nCaused by:` as `codex features`
  prints it; `render("failed to load configuration")` as `codex mcp` does) and `render_tui()`
  (`codex exec`'s `Error loading config.toml: ...`).
- `features`: the 0.136.0 feature registry, legacy aliases, `Features` resolution,
  `toggle_overrides()` (`--enable/--disable` -> `features.<key>=bool`, `Unknown feature flag`).
- `schema`: the shape of config.toml and serde's messages; `locate`: file positions and the
  TOML parse error report; `edit`: comment-preserving edits (tomlkit); `features_cmd`: the
  `codex features list|enable|disable` handlers; `overrides`: `-c key=value` parsing.
"""
